import { describe, expect, it } from 'vitest';
import { ConfigError, baseConfigShape, loadConfig } from '../src/config.js';

const KEY = { BAMBOO_INTERNAL_KEY: 'k'.repeat(32) };

describe('config', () => {
  it('fills defaults for the service', () => {
    const config = loadConfig(baseConfigShape('villa'), KEY);
    expect(config.PORT).toBe(8082);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.SANDGLASS_URL).toBe('http://127.0.0.1:8081');
  });

  it('treats an empty REDIS_URL as unset', () => {
    expect(loadConfig(baseConfigShape('villa'), { ...KEY, REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });

  it('names every bad or missing variable', () => {
    try {
      loadConfig(baseConfigShape('magi'), { PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('PORT:');
      expect(message).toContain('BAMBOO_INTERNAL_KEY: is required');
    }
  });

  it('refuses a URL that is not one', () => {
    expect(() => loadConfig(baseConfigShape('magi'), { ...KEY, REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
  });
});
