// `npm start`, the Dockerfile and the tests' own app processes run node with the same memory settings (README,
// Deployment: memory): a setting changed in one place only would make the benchmarks measure another program.
import fs from 'node:fs';
import path from 'node:path';
import { PRODUCTION_NODE, projectRoot } from './app-process';

const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), 'utf8');

describe('how production runs node', () => {
  it('when npm start runs the app, then it passes the same node flags and allocator setting as the tests use', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(`node ${PRODUCTION_NODE.args.join(' ')} dist/server/main.js`);
    for (const [name, value] of Object.entries(PRODUCTION_NODE.env))
      expect(start).toContain(`${name}=\${${name}:-${value}}`);
  });

  it('when the image runs the app, then its command and environment carry the same settings', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain(
      `CMD ${JSON.stringify(['node', ...PRODUCTION_NODE.args, 'dist/server/main.js']).replaceAll(',', ', ')}`,
    );
    const env = /^ENV (.+)$/m.exec(dockerfile.slice(dockerfile.lastIndexOf('FROM ')))?.[1] ?? '';
    for (const [name, value] of Object.entries(PRODUCTION_NODE.env))
      expect(env).toContain(`${name}=${value}`);
  });
});
