import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fitSms, fitsOneSms, isGsm7, smsLength, type NotificationItem } from '@hotline/shared';
import { composeText } from '../../server/src/notify/notification-service.js';
import { verifyWebhookSignature, webhookSignature } from '../../server/src/notify/webhook-signing.js';

const item = (title: string, id = 'AL-l1-1'): NotificationItem => ({ subject: 'alert', id, linkId: 'l1', step: 1, title, severity: 3, at: 0 });

describe('SMS text form', () => {
  it('counts GSM-7 septets (extension characters twice) and UCS-2 code units', () => {
    expect(smsLength('ACK 4821')).toEqual({ encoding: 'gsm7', units: 8 });
    expect(smsLength('a€[')).toEqual({ encoding: 'gsm7', units: 5 });
    expect(isGsm7('فائرنگ')).toBe(false);
    expect(smsLength('فائرنگ بند')).toEqual({ encoding: 'ucs2', units: 10 });
    expect(fitsOneSms('x'.repeat(160))).toBe(true);
    expect(fitsOneSms('x'.repeat(161))).toBe(false);
    expect(fitsOneSms('€'.repeat(80))).toBe(true);
    expect(fitsOneSms('€'.repeat(81))).toBe(false);
    expect(fitsOneSms('ب'.repeat(70))).toBe(true);
    expect(fitsOneSms('ب'.repeat(71))).toBe(false);
  });

  it('shortens the body only, keeping the head and the reply instruction whole', () => {
    const text = fitSms('ESCALATION:', 'Small arms fire '.repeat(30), 'Reply ACK 4821');
    expect(text.startsWith('ESCALATION: Small arms fire')).toBe(true);
    expect(text.endsWith('... Reply ACK 4821')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(160);
    expect(text.length).toBeGreaterThan(150);
  });

  it('falls to 70 UCS-2 units for Urdu, Pashto and Dari text, never cutting a character', () => {
    const text = fitSms('ESCALATION:', 'سرحد کے قریب فائرنگ جاری ہے، دو مقامات سے، فوری مدد درکار ہے۔ '.repeat(3), 'Reply ACK 4821');
    expect(smsLength(text)).toMatchObject({ encoding: 'ucs2' });
    expect(text.length).toBeLessThanOrEqual(70);
    expect(text.endsWith('… Reply ACK 4821')).toBe(true);
    // a character outside the BMP takes two units and is kept whole or dropped whole
    const emoji = fitSms('A:', '🚨'.repeat(60), 'B');
    expect(emoji.length).toBeLessThanOrEqual(70);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('marks drill traffic and bundles, within one SMS', () => {
    const one = composeText('escalation', [item('Drone L2, sev 3, Post A1: overhead')], '4821', true);
    expect(one.text).toBe('EXERCISE ESCALATION: Drone L2, sev 3, Post A1: overhead Reply ACK 4821');
    const many = composeText('escalation', Array.from({ length: 9 }, (_, i) => item(`Small arms fire L1, sev 3, Post A${i}: long description of the firing`, `AL-l1-${i}`)), '1234', false);
    expect(many.text).toMatch(/^9 ALERTS \(ESCALATION\): /);
    expect(many.text).toMatch(/Reply ACK 1234 for all$/);
    expect(fitsOneSms(many.text)).toBe(true);
  });
});

describe('webhook signature', () => {
  it('is HMAC-SHA256 over "<timestamp>.<body>", hex, as documented', () => {
    const body = '{"v":1}';
    const expected = createHmac('sha256', 'secret-0123456789').update(`1700000000000.${body}`).digest('hex');
    expect(webhookSignature('secret-0123456789', 1700000000000, body)).toBe(`v1=${expected}`);
    expect(verifyWebhookSignature('secret-0123456789', '1700000000000', body, `v1=${expected}`)).toBe(true);
    expect(verifyWebhookSignature('secret-0123456789', '1700000000001', body, `v1=${expected}`)).toBe(false);
    expect(verifyWebhookSignature('secret-0123456789', '1700000000000', `${body} `, `v1=${expected}`)).toBe(false);
    expect(verifyWebhookSignature('other-secret-000000', '1700000000000', body, `v1=${expected}`)).toBe(false);
    expect(verifyWebhookSignature('secret-0123456789', '1700000000000', body, undefined)).toBe(false);
  });
});
