import { spawn } from 'node:child_process';
import type { Command } from './session-command.js';

/** How the session process ended. */
export interface SessionEnd {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Runs the session command in the foreground until it ends; injected in tests. */
export type SessionRunner = (command: Command) => Promise<SessionEnd>;

/**
 * Runs the command attached to this terminal. The session is interactive and lasts until the
 * user ends it, so it has no timeout of ours: Session Manager closes idle sessions itself
 * (20 minutes by default). Ctrl-C reaches the child directly (same process group), so this
 * process ignores it and waits for the child to close the session cleanly; a SIGTERM sent to
 * this process alone is passed on.
 */
export const runSession: SessionRunner = (command) =>
  new Promise((resolve, reject) => {
    const child = spawn(command.command, [...command.args], { stdio: 'inherit' });
    const ignoreInterrupt = (): void => {};
    const passOnTerminate = (): void => {
      child.kill('SIGTERM');
    };
    process.on('SIGINT', ignoreInterrupt);
    process.on('SIGTERM', passOnTerminate);
    const release = (): void => {
      process.off('SIGINT', ignoreInterrupt);
      process.off('SIGTERM', passOnTerminate);
    };
    child.on('error', (error) => {
      release();
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      release();
      resolve({ exitCode, signal });
    });
  });
