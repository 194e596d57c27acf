import { LabClient } from '../../src-shared/rpc';
import { describeTransportConformance } from '../testing/transport-conformance';
import { MemoryTransport } from './memory-transport';

describeTransportConformance('in-memory', async (server) => {
  const transport = new MemoryTransport(server);
  // A second connection whose frames are pushed unvalidated, as a buggy client would.
  const client = await LabClient.connect(transport);
  return {
    client,
    transport,
    sendRaw: (raw) => transport.send(raw),
    close: async () => client.close(),
  };
});
