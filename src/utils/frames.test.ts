import { frameRuns, isJdkFrame } from './frames';

describe('frames', () => {
  it.each([
    ['java.lang.Thread.run', true],
    ['javax.net.ssl.SSLSocket.read', true],
    ['jdk.internal.misc.Unsafe.park', true],
    ['sun.nio.ch.EPoll.wait', true],
    ['com.sun.net.httpserver.HttpServer.start', true],
    ['Workload.lambda$main$0', false],
    ['com.example.javaapp.Main.run', false],
    ['javalin.Javalin.start', false],
  ])('%s is a JDK frame: %p', (method, jdk) => {
    expect(isJdkFrame({ method })).toBe(jdk);
  });

  it('splits a stack into alternating runs with their start index', () => {
    const runs = frameRuns([
      { method: 'jdk.internal.misc.Unsafe.park' },
      { method: 'java.util.concurrent.locks.LockSupport.park' },
      { method: 'Workload.lambda$main$4' },
      { method: 'java.lang.Thread.run' },
    ]);
    expect(runs.map((r) => [r.jdk, r.start, r.frames.length])).toEqual([
      [true, 0, 2],
      [false, 2, 1],
      [true, 3, 1],
    ]);
  });
});
