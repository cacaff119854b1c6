import { detailDone } from '../test/fixtures';
import { deadlockThreadNames } from './deadlock';

describe('deadlockThreadNames', () => {
  it('names the threads of the contract fixture once each', () => {
    expect(deadlockThreadNames(detailDone().processes[0].deadlocks ?? [])).toEqual(['deadlock-1', 'deadlock-2']);
  });

  it.each([
    [
      'names with quotes, parentheses, colons and CJK; stacks section repeats them',
      [
        'Found one Java-level deadlock:\n=============================\n"a "q" (p): 工作":\n  waiting to lock monitor 0x1 (object 0x2, a java.lang.Object),\n  which is held by "b"\n\n"b":\n  waiting to lock monitor 0x3,\n  which is held by "a "q" (p): 工作"\n\nJava stack information for the threads listed above:\n===================================================\n"a "q" (p): 工作":\n\tat X.y(X.java:1)\n"b":\n\tat X.z(X.java:2)\n\nFound 1 deadlock.\n',
      ],
      ['a "q" (p): 工作', 'b'],
    ],
    [
      'two reports, CRLF line ends',
      [
        'Found one Java-level deadlock:\r\n"x":\r\n  which is held by "y"\r\n"y":\r\n',
        'Found one Java-level deadlock:\n"z":\n"x":\n',
      ],
      ['x', 'y', 'z'],
    ],
    ['a report in an unknown shape', ['something went wrong'], []],
    ['no reports', [], []],
  ])('%s', (_, reports, want) => expect(deadlockThreadNames(reports)).toEqual(want));
});
