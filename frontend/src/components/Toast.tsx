"use client";

import { useEffect, useState } from "react";
import AsyncButton from "./AsyncButton";

export interface UndoOffer {
  message: string;
  /** Absent for a plain notice. */
  onUndo?: () => Promise<void> | void;
  key: number;
}

const VISIBLE_MS = 10_000;

/** "Completed “x” · Undo": a polite live region at the bottom of the screen that goes away by
 * itself after 10 s, but not while the pointer or the keyboard is on it. */
export default function Toast({ offer, onDismiss }: { offer: UndoOffer; onDismiss: () => void }) {
  const [held, setHeld] = useState(false);

  useEffect(() => {
    if (held) return;
    const timer = window.setTimeout(onDismiss, VISIBLE_MS);
    return () => window.clearTimeout(timer);
  }, [held, onDismiss]);

  return (
    <div
      className="toast"
      role="status"
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <span>{offer.message}</span>
      {offer.onUndo ? (
        <AsyncButton className="button small toast-undo" action={offer.onUndo}>
          Undo
        </AsyncButton>
      ) : null}
      <button type="button" className="button small toast-close" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
