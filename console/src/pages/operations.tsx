import { api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { DataTable, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';

interface Depth {
  depth: number;
  inFlight: number;
  delayed: number;
}

/** `GET /admin/queues`: each wiring queue's dead-letter queue and the queue itself. */
interface DeadLetterQueue {
  id: string;
  deadLetterQueue: string;
  deadLetters: Depth;
  source: Depth;
  redriving?: boolean;
}

interface RedriveReport {
  queueId: string;
  moved: number;
  failed: number;
  notDeleted: number;
  more: boolean;
}

function describe(report: RedriveReport): string {
  const parts = [`${report.queueId}: moved ${report.moved} message${report.moved === 1 ? '' : 's'} back onto the queue`];
  if (report.failed) parts.push(`${report.failed} could not be sent and stay in the dead-letter queue`);
  if (report.notDeleted) parts.push(`${report.notDeleted} were sent but not deleted (they will be delivered twice, which consumers tolerate)`);
  if (report.more) parts.push('more are waiting: press Redrive again');
  return `${parts.join('; ')}.`;
}

/** `#/operations`: dead-letter queues with their depth, and a Redrive button for each. */
export default function OperationsPage() {
  const queues = useLoad(() => api.get<{ items: DeadLetterQueue[] }>('/admin/queues'), []);
  const action = useAction();
  const redrive = (id: string) =>
    action.run(async () => {
      const report = await api.post<RedriveReport>(`/admin/queues/${encodeURIComponent(id)}/redrive`, { idempotent: false });
      queues.reload();
      return describe(report);
    });

  const columns: Column<DeadLetterQueue>[] = [
    { header: 'Queue', cell: (queue) => queue.id },
    { header: 'Dead letters', cell: (queue) => queue.deadLetters.depth, numeric: true },
    { header: 'Dead letters in flight', cell: (queue) => queue.deadLetters.inFlight, numeric: true },
    { header: 'Queue depth', cell: (queue) => queue.source.depth, numeric: true },
    { header: 'In flight', cell: (queue) => queue.source.inFlight, numeric: true },
    {
      header: 'Action',
      cell: (queue) => (
        <ConfirmButton
          label="Redrive"
          question={`Move ${queue.deadLetters.depth} dead letter${queue.deadLetters.depth === 1 ? '' : 's'} of ${queue.id} back onto its queue?`}
          disabled={action.busy}
          onConfirm={() => redrive(queue.id)}
        />
      ),
    },
  ];
  const items = queues.value?.items ?? [];
  const waiting = items.filter((queue) => queue.deadLetters.depth > 0);

  return (
    <section class="page">
      <h1>Operations</h1>
      <div class="toolbar">
        <button type="button" onClick={queues.reload} disabled={queues.loading}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={queues.error} />
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
      {queues.loading && !queues.value ? <p class="loading">Loading…</p> : null}
      {queues.value ? (
        <>
          <p>
            {waiting.length === 0 ? 'No dead letters are waiting.' : `${waiting.length} queue${waiting.length === 1 ? ' has' : 's have'} dead letters waiting.`} A
            redrive sends them back unchanged once the cause of the failures is fixed.
          </p>
          <DataTable caption="Dead-letter queues" columns={columns} rows={items} rowKey={(queue) => queue.id} empty="No queues." />
        </>
      ) : null}
    </section>
  );
}
