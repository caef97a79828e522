import { isLogBusy } from '@sigstack/merkle';
import type { CtLogService } from '@sigstack/ctlog';
import { FulcioError, type CtLogClient } from '@sigstack/fulcio';

/**
 * The CA's CtLogClient over the in-process CT log. The CA and the CT log never
 * import each other (conventions.md §1): this adapter, in the package that wires
 * them, turns the log engine's "busy" (queue full, shutting down) into the
 * contract's CT_LOG_BUSY; every other rejection goes on as it is and the CA calls
 * it CT_LOG_FAILED.
 */
export function inProcessCtLogClient(ct: CtLogService): CtLogClient {
  return {
    addPreChain: (chainDer) =>
      ct.addPreChain(chainDer).catch((cause: unknown) => {
        if (isLogBusy(cause)) throw new FulcioError('CT_LOG_BUSY', `the CT log is busy (${(cause as Error).message}); retry shortly`, { cause });
        throw cause;
      }),
  };
}
