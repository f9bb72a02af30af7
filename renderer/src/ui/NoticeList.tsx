import { useSmallStore } from './hooks.ts';
import { useStudio } from './studio.ts';

export function NoticeList() {
  const { notices } = useStudio();
  const { list } = useSmallStore(notices);
  return (
    <div className="notices" aria-live="polite">
      {list.map((n) => (
        <div key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => notices.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
