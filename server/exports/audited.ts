// Every export is recorded in the audit log with its filters, the rows sent and whether the client took the whole
// file; the response is ended only after that, so a complete download is always an audited one.
import type { Writable } from 'node:stream';
import { recordAudit } from '../audit/service';
import type { CapabilityDeps } from '../compose';
import type { Prisma } from '../generated/prisma/client';
import { AbortedExport, ClientGone, intoResponse } from './stream';

/** Where a download goes: the routes set its name and type, and give the stream its bytes are written to. */
export interface Download {
  open(file: { name: string; type: string }): Writable;
}

/** Who asked, for the audit log. */
export interface Requester {
  id: number;
  ip: string;
}

export interface ExportResult {
  rows: number;
  /** False when the client went away (or the stream failed) before the last byte. */
  completed: boolean;
}

/** Whether the client's leaving is what stopped the export (the error or one of its causes). */
function clientLeft(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ClientGone) return true;
    current = current.cause;
  }
  return false;
}

export function auditedExports(deps: Pick<CapabilityDeps, 'prisma' | 'logger'>) {
  /**
   * Runs one export into its download and records it however it ended once started (a download the client abandoned
   * is recorded with the rows it was sent). An export refused before it started (429, 503) records nothing and
   * sends no file: the download is opened only when `run` asks, once its cursor is ready.
   */
  return async function audited(
    who: Requester,
    action: string,
    details: Record<string, Prisma.InputJsonValue>,
    download: { to: Download; file: { name: string; type: string } },
    run: (open: () => Writable, counted: () => void) => Promise<void>,
  ): Promise<ExportResult> {
    let rows = 0;
    let completed = true;
    let response: Writable | undefined;
    const open = () => intoResponse((response ??= download.to.open(download.file)));
    try {
      await run(open, () => (rows += 1));
    } catch (error) {
      if (!(error instanceof AbortedExport)) throw error;
      completed = false;
      if (clientLeft(error)) deps.logger.info({ action, rows }, 'export abandoned by the client');
      else deps.logger.error({ action, rows, err: error.cause }, 'export failed after it started');
    }
    await recordAudit(deps.prisma, {
      actorId: who.id,
      action,
      targetType: 'export',
      details: { ...details, rows, completed },
      ip: who.ip,
    });
    // A download that stopped half-way must not look finished (nor hang): it ends without its last chunk.
    if (completed) response?.end();
    else response?.destroy();
    return { rows, completed };
  };
}
