/**
 * The console's service worker (built to /sw.js): the application shell, cached for offline reloads,
 * and push messages shown as notifications that can acknowledge (push.ts).
 */
import { installPush, type PushWorkerScope } from './push.js';
import { installShell, type WorkerScope } from './shell.js';

installShell(self as unknown as WorkerScope);
installPush(self as unknown as PushWorkerScope);
