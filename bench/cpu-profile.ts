import { writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector';

/** A V8 CPU profile of this process's main thread between start and stop (a .cpuprofile, for Chrome DevTools). */
export class CpuProfile {
  private readonly session = new InspectorSession();

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  }

  async stop(file: string): Promise<void> {
    const { profile } = await this.post<{ profile: unknown }>('Profiler.stop');
    this.session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
  }

  private post<T>(method: string): Promise<T> {
    return new Promise((resolve, reject) =>
      this.session.post(method, (error, result) => (error ? reject(error) : resolve(result as T))),
    );
  }
}
