// The API's one PostgreSQL listener on the events channel, shared by every live stream of the
// process. It connects when the first stream opens; if the connection drops, the streams end and
// their browsers reconnect with Last-Event-ID, missing nothing.
import pg from 'pg';
import { eventChannel, type EventNotice } from '../domain/events.ts';
import type { Logger } from '../runtime/logger.ts';

export interface EventListener {
  event(notice: EventNotice): void;
  end(): void;
}

export class EventHub {
  private connection: Promise<pg.Client> | undefined;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly databaseUrl: string, private readonly log: Logger) {}

  async subscribe(listener: EventListener): Promise<() => void> {
    await this.connect();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private connect(): Promise<pg.Client> {
    this.connection ??= (async () => {
      const client = new pg.Client({ connectionString: this.databaseUrl });
      client.on('notification', (message) => {
        if (message.channel !== eventChannel || !message.payload) return;
        const notice = JSON.parse(message.payload) as EventNotice;
        for (const listener of this.listeners) listener.event(notice);
      });
      client.on('error', (error) => this.drop(error));
      client.on('end', () => this.drop());
      await client.connect();
      await client.query(`LISTEN ${eventChannel}`);
      return client;
    })().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private drop(error?: Error) {
    if (!this.connection) return;
    if (error) this.log.warn({ err: error }, 'event listener lost its connection; live streams restart');
    this.connection = undefined;
    for (const listener of [...this.listeners]) listener.end();
    this.listeners.clear();
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.listeners.clear();
    if (connection) await (await connection.catch(() => undefined))?.end();
  }
}
