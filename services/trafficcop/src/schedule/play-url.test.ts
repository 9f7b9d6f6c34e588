import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fillTemplate } from '../relay/push-url.js';
import { pullTemplateProblem, signPlayUrl } from './play-url.js';

describe('pull URLs', () => {
  it('fills the room and checks the scheme per protocol', () => {
    expect(fillTemplate('https://a.example/live/{room}.flv', 'r 1')).toBe('https://a.example/live/r%201.flv');
    expect(pullTemplateProblem('flv', 'https://a.example/live/{room}.flv')).toBeUndefined();
    expect(pullTemplateProblem('rtmp', 'https://a.example/live/{room}')).toContain('rtmp:');
    expect(pullTemplateProblem('hls', 'https://a.example/live/fixed.m3u8')).toContain('{room}');
  });

  it('signs Aliyun type-A style: md5 over path, expiry, rand, uid and key', () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    expect(signPlayUrl('https://a.example/live/42.flv', 'key', 1700000000)).toBe(
      `https://a.example/live/42.flv?auth_key=1700000000-0-0-${md5('/live/42.flv-1700000000-0-0-key')}`,
    );
    expect(signPlayUrl('rtmp://a.example/live/42?vhost=x', 'key', 5)).toBe(`rtmp://a.example/live/42?vhost=x&auth_key=5-0-0-${md5('/live/42-5-0-0-key')}`);
  });
});
