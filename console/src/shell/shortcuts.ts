import { TAB_KEY, type Tabs } from './tabs.js';

export interface ShortcutActions {
  /** Shortcuts are off while this holds (an alert takeover has the keyboard). */
  blocked(): boolean;
  /** Alt+R, for users who can raise an alert. */
  raise: (() => void) | null;
  /** Alt+L: focuses the answer of a pending line check; false when there is none. */
  answerLineCheck(): boolean;
}

/**
 * The console's keyboard shortcuts: Alt+R raises an alert, Alt+L answers a line check, Alt+H/A/M/V/P
 * select a view. Returns the function that removes them.
 */
export function bindShortcuts(tabs: Tabs, actions: ShortcutActions): () => void {
  const onKey = (ev: KeyboardEvent) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || actions.blocked()) return;
    const key = ev.key.toLowerCase();
    const tab = TAB_KEY[key];
    if (key === 'r' && actions.raise) {
      ev.preventDefault();
      actions.raise();
    } else if (key === 'l' && actions.answerLineCheck()) {
      ev.preventDefault();
    } else if (tab && tabs.has(tab)) {
      ev.preventDefault();
      tabs.select(tab, true);
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
