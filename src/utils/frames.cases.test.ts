import shared from '../../contract/frames/top-app-frame.json';
import { topAppFrame } from './frames';

// The same cases test the backend's TopAppFrame (pkg/jvm/appframe_test.go), which picks the
// frames stored per capture for the across-captures views: both sides must agree.
describe('topAppFrame, cases shared with the backend', () => {
  it.each(shared.cases.map((c) => [c.name, c.stack, c.top] as const))('%s', (_name, stack, top) => {
    const frame = topAppFrame(stack.map((method) => ({ method, source: 'X.java:1' })));
    expect(frame?.method ?? null).toBe(top);
  });
});
