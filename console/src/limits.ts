/**
 * The text limits of the wire protocol (LIMITS in shared/src/protocol.ts), repeated here because that
 * module builds every zod schema when it loads, which would put all of zod into the console bundle (a
 * slow first load on a poor link). test/unit/console-model.test.ts checks that the two agree.
 */
export const CONSOLE_LIMITS = {
  /** Unicode code points in a hotline message. */
  MESSAGE_TEXT_MAX: 4000,
  /** Unicode code points in an alert description, comment or resolution. */
  ALERT_TEXT_MAX: 2000,
} as const;
