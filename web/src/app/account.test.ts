import { describe, expect, it } from 'vitest';
import { shortAgent } from './pages/account';

describe('shortAgent', () => {
  it('names the browser and system', () => {
    expect(shortAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'))
      .toBe('Chrome 156 · Linux');
    expect(shortAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0'))
      .toBe('Edge 120 · Windows');
    expect(shortAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'))
      .toBe('Safari 17 · iPhone');
    expect(shortAgent('curl/7.88.1')).toBe('curl 7');
    expect(shortAgent('')).toBe('—');
    expect(shortAgent('SomethingElse')).toBe('SomethingElse');
  });
});
