import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../src/config/load.js';

describe('YAML syntax errors', () => {
  it('name the line and column and show the offending line under a caret', () => {
    const text = 'server:\n  port: 1\nbackends: [\n  { id: a, baseUrls: [http://x/v1] }\n  oops\n';
    let problem = '';
    try {
      parseConfigText(text, {}, 'f.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problem = (error as ConfigError).problems[0]!;
    }
    const match = /^YAML: .+ at line (\d+), column (\d+):\n {4}(\d+) \| (.*)\n {4} +\| ( *)\^$/.exec(problem);
    expect(match, problem).not.toBeNull();
    const [, line, column, shownLine, shownText, pad] = match!;
    expect(shownLine).toBe(line);
    expect(shownText).toBe(text.split('\n')[Number(line) - 1]);
    expect(pad!.length).toBe(Number(column) - 1);
  });
});
