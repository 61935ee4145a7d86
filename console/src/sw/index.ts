/** The console's service worker (built to /sw.js): the application shell, cached for offline reloads. */
import { installShell, type WorkerScope } from './shell.js';

installShell(self as unknown as WorkerScope);
