import { Client, Connection, type ConnectionOptions } from '@temporalio/client';

export async function connectTemporal(options: ConnectionOptions, namespace: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(options);
  return { client: new Client({ connection, namespace }), connection };
}
