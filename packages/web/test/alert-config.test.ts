// The call status and alert keys of lars_web.conf (web-config.ts) and the
// WebServer's checks of the same options.
import { Config } from '@lars/reactor';
import { describe, expect, it } from 'vitest';
import { badConfigError } from '../../../test-support/config-checks.js';
import { isWebhookUrl, webOptionsFromConfig } from '../src/web-config.js';
import { WebServer } from '../src/web-server.js';

const options = (text: string) => webOptionsFromConfig(new Config(text, { source: 'conf/lars_web.conf', env: {} }));

describe('[web] rollup_interval and alert_*', () => {
  it('reads every key into its option, seconds as ms', () => {
    expect(
      options(`[web]
rollup_interval = 30
alert_error_rate = 0.25
alert_min_calls = 50
alert_window = 600
alert_interval = 5
alert_webhook = https://hooks.example.test/lars?x=1
alert_webhook_retries = 0
alert_webhook_timeout = 2.5
`),
    ).toEqual({
      rollupIntervalMs: 30_000,
      alertErrorRate: 0.25,
      alertMinCalls: 50,
      alertWindowMs: 600_000,
      alertIntervalMs: 5_000,
      alertWebhook: 'https://hooks.example.test/lars?x=1',
      alertWebhookRetries: 0,
      alertWebhookTimeoutMs: 2_500,
    });
  });

  it('a value out of range is an error naming the key and what it takes', () => {
    expect(badConfigError(() => options('[web]\nalert_error_rate = 1.5\n')).message).toMatch(
      /alert_error_rate.*\[0, 1\]/,
    );
    expect(badConfigError(() => options('[web]\nalert_min_calls = 0\n')).message).toMatch(/alert_min_calls/);
    expect(badConfigError(() => options('[web]\nrollup_interval = 7200\n')).message).toMatch(/rollup_interval.*3600/);
    expect(badConfigError(() => options('[web]\nalert_webhook = ftp://x/y\n')).message).toMatch(
      /alert_webhook.*http:\/\/ or https:\/\/ URL/,
    );
  });

  it('isWebhookUrl takes absolute http(s) URLs only', () => {
    expect(isWebhookUrl('http://127.0.0.1:9/hook')).toBe(true);
    expect(isWebhookUrl('https://a.test/')).toBe(true);
    expect(isWebhookUrl('http://')).toBe(false);
    expect(isWebhookUrl('mailto:a@b')).toBe(false);
    expect(isWebhookUrl('http://a b/')).toBe(false);
  });

  it('the WebServer refuses the same mistakes in its options', () => {
    expect(() => new WebServer({ alertErrorRate: -0.1, defaultMetrics: false })).toThrow(/alertErrorRate/);
    expect(() => new WebServer({ rollupIntervalMs: 1500, defaultMetrics: false })).toThrow(/rollupIntervalMs/);
    expect(() => new WebServer({ alertWebhook: 'nope', defaultMetrics: false })).toThrow(/alertWebhook/);
  });
});
