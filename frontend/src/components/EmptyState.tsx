import type { ReactElement, ReactNode } from "react";

export function EmptyState({ title, body, children }: { title: string; body?: string; children?: ReactNode }): ReactElement {
  return (
    <div className="empty" role="status">
      <h2>{title}</h2>
      {body && <p>{body}</p>}
      {children}
    </div>
  );
}
