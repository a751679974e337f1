"use client";

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError, PASSWORD_MIN_LENGTH, PASSWORD_RULE, request } from "@/lib/client/api";
import type { User } from "@/lib/client/types";
import { TextField } from "./Field";

interface Props {
  user: User;
  onSignOut: () => void;
  /** A 401 or an outage while changing the password goes through the workspace's handler. */
  onFailure: (error: unknown) => void;
}

/** The top bar's account menu: who is signed in, change password, sign out. */
export default function AccountMenu({ user, onSignOut, onFailure }: Props) {
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLButtonElement>("[role=menuitem]")?.focus();
    const close = (event: MouseEvent) => {
      if (!menuRef.current?.parentElement?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  function onMenuKey(event: KeyboardEvent<HTMLUListElement>) {
    const items = [...(menuRef.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? [])];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") {
      setOpen(false);
      buttonRef.current?.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    } else if (event.key === "Tab") {
      setOpen(false);
    }
  }

  return (
    <div className="account">
      <button
        ref={buttonRef}
        type="button"
        className="button ghost small account-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="visually-hidden">Account</span>
        <span className="who" aria-hidden="true">
          {user.name || user.email}
        </span>
        <span className="caret" aria-hidden="true">▾</span>
      </button>
      {open ? (
        <ul className="menu" id={menuId} role="menu" aria-label="Account" ref={menuRef} onKeyDown={onMenuKey}>
          <li role="none" className="menu-label">
            Signed in as <strong>{user.email}</strong>
          </li>
          <li role="none">
            <button
              type="button"
              role="menuitem"
              className="menu-item"
              onClick={() => {
                setOpen(false);
                setNotice(null);
                setChanging(true);
              }}
            >
              Change password
            </button>
          </li>
          <li role="none">
            <button type="button" role="menuitem" className="menu-item" onClick={onSignOut}>
              Sign out
            </button>
          </li>
        </ul>
      ) : null}
      {changing ? (
        <PasswordDialog
          onClose={(message) => {
            setChanging(false);
            setNotice(message);
            buttonRef.current?.focus();
          }}
          onFailure={onFailure}
        />
      ) : null}
      {notice ? (
        <p className="toast" role="status">
          {notice}
          <button type="button" className="button ghost small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
    </div>
  );
}

type PasswordField = "current_password" | "new_password";

function PasswordDialog({ onClose, onFailure }: { onClose: (notice: string | null) => void; onFailure: (error: unknown) => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [errors, setErrors] = useState<Partial<Record<PasswordField | "_", string>>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const current = String(data.get("current_password") ?? "");
    const next = String(data.get("new_password") ?? "");
    if (!current) return setErrors({ current_password: "Enter your current password." });
    if (next.length < PASSWORD_MIN_LENGTH) {
      return setErrors({ new_password: `Use at least ${PASSWORD_MIN_LENGTH} characters.` });
    }
    setBusy(true);
    setErrors({});
    try {
      await request("/session/password", { method: "POST", body: { current_password: current, new_password: next } });
      onClose("Password changed. Every other device has been signed out.");
    } catch (error) {
      const apiError = error instanceof ApiError ? error : null;
      if (apiError?.status === 400) {
        setErrors({ current_password: "That is not your current password." });
      } else if (apiError?.kind === "validation") {
        const field = apiError.fieldErrors["new_password"];
        setErrors(field ? { new_password: field } : { _: apiError.message });
      } else if (apiError?.kind === "rate_limited") {
        setErrors({ _: apiError.message });
      } else {
        onFailure(error);
        setErrors({ _: apiError?.kind === "unavailable" ? "Not changed: the service is unavailable." : "Not changed." });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialogRef} className="dialog" aria-labelledby="password-title" onClose={() => onClose(null)}>
      <form method="dialog" onSubmit={submit} noValidate>
        <h2 id="password-title">Change password</h2>
        <TextField
          id="current_password"
          label="Current password"
          error={errors.current_password}
          name="current_password"
          type="password"
          autoComplete="current-password"
        />
        <TextField
          id="new_password"
          label="New password"
          error={errors.new_password}
          hint={PASSWORD_RULE}
          name="new_password"
          type="password"
          autoComplete="new-password"
        />
        {errors._ ? (
          <p className="form-error" role="alert">
            {errors._}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => dialogRef.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
