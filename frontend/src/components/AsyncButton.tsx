"use client";

import { useState, type ComponentPropsWithoutRef } from "react";

type Props = Omit<ComponentPropsWithoutRef<"button">, "onClick" | "disabled"> & {
  /** Runs on click; the button is disabled until it settles. */
  action: () => Promise<void> | void;
  /** What the button says meanwhile (default: its usual text). */
  busyLabel?: string;
};

/** A button for an action that takes a moment ("Show more", "Undo"): one click at a time. */
export default function AsyncButton({ action, busyLabel, children, ...button }: Props) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      {...button}
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await action();
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}
