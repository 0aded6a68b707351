// Binding HOST:PORT, with the failures a user can fix named by the setting at fault.
import http from 'node:http';
import type { Config } from '../config';
import { StartError } from '../db/start-error';

/** A listen failure the user can fix, named by the setting at fault. */
function listenError(error: NodeJS.ErrnoException, config: Config): Error {
  if (error.code === 'EADDRINUSE')
    return new StartError(`PORT ${config.PORT} is already in use; set PORT to a free port`);
  if (error.code === 'EACCES')
    return new StartError(`PORT ${config.PORT} needs privileges this user lacks; set PORT to 1024 or above`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new StartError(`HOST ${config.HOST} is not an address of this machine; set HOST (e.g. 0.0.0.0)`);
  return error;
}

export function listen(server: http.Server, config: Config): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, config));
    server.once('error', failed);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : config.PORT);
    });
  });
}

/** Binds HOST:PORT once and lets go: a port in use is then reported at once, not after the database work. */
export async function checkPort(config: Config): Promise<void> {
  const probe = http.createServer();
  await listen(probe, config);
  await new Promise((resolve) => probe.close(resolve));
}
