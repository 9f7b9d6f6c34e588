import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { fillTemplate, templateProblem } from './push-url.js';

describe('push URL templates', () => {
  it('accept rtmp URLs with an app and {room}, and fill the room in', () => {
    const template = 'rtmp://push.cdn-a.example:1935/live/{room}?token=abc';
    expect(templateProblem(template)).toBeUndefined();
    expect(fillTemplate(template, 'r-42')).toBe('rtmp://push.cdn-a.example:1935/live/r-42?token=abc');
  });

  it.each([
    ['rtmp://push.example/live/fixed', 'must contain {room}'],
    ['https://push.example/live/{room}', 'scheme must be rtmp://'],
    ['rtmp://push.example/{room}', 'needs an app and a stream name'],
    ['not a url {room}', 'is not a URL'],
  ])('refuse %s', (template, problem) => {
    expect(templateProblem(template)).toContain(problem);
  });
});

describe('backoff', () => {
  it('doubles from the minimum up to the maximum, with bounded jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, 1000, 30_000, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(1, 1000, 30_000, () => 0)).toBe(800);
    expect(backoffDelay(1, 1000, 30_000, () => 0.999)).toBeLessThanOrEqual(1200);
    expect(backoffDelay(10, 1000, 30_000, () => 0.999)).toBe(30_000);
  });
});
