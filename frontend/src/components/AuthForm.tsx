"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { ApiError, PASSWORD_MIN_LENGTH, PASSWORD_RULE, request } from "@/lib/client/api";
import Banner from "./Banner";
import { TextField } from "./Field";

type Mode = "signin" | "signup";
type Field = "email" | "password" | "name";

const NOTICES: Record<string, string> = {
  expired: "Your session has expired. Please sign in again.",
  signed_out: "You have signed out.",
};

const noSubscription = () => () => {};

/** False in the server render and during hydration, true once React runs the page. */
function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

/** The sign-in or sign-up page's form, in the Suspense boundary that `useSearchParams` needs
 * when Next prerenders the page. */
export default function AuthForm({ mode }: { mode: Mode }) {
  return (
    <Suspense>
      <Form mode={mode} />
    </Suspense>
  );
}

function Form({ mode }: { mode: Mode }) {
  const hydrated = useHydrated();
  const router = useRouter();
  const params = useSearchParams();
  const notice = NOTICES[params.get("reason") ?? ""];
  const fields: Field[] = mode === "signup" ? ["name", "email", "password"] : ["email", "password"];
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  // Sign-up with an email that already has an account: offer the sign-in page instead.
  const [registered, setRegistered] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [busy, setBusy] = useState(false);
  const refs = useRef<Partial<Record<Field, HTMLInputElement | null>>>({});
  const errorRef = useRef<HTMLParagraphElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Uncontrolled inputs, read at submit time: text typed before React hydrated the page is
    // kept (a controlled input would be reset to its initial state on hydration).
    const data = new FormData(event.currentTarget);
    const values = Object.fromEntries(fields.map((field) => [field, String(data.get(field) ?? "")])) as Record<
      Field,
      string
    >;
    setFieldErrors({});
    setFormError(null);
    setRegistered(null);
    if (mode === "signup" && values.password.length < PASSWORD_MIN_LENGTH) {
      // Said here, before any request: the rule is the API's too.
      const missing = PASSWORD_MIN_LENGTH - values.password.length;
      setFieldErrors({
        password: `Use at least ${PASSWORD_MIN_LENGTH} characters: this one needs ${missing} more.`,
      });
      requestAnimationFrame(() => refs.current.password?.focus());
      return;
    }
    setBusy(true);
    const body =
      mode === "signup"
        ? { email: values.email.trim(), password: values.password, name: values.name.trim() || undefined }
        : { email: values.email.trim(), password: values.password };
    try {
      await request(mode === "signup" ? "/session/signup" : "/session/login", { method: "POST", body });
      setUnavailable(false);
      router.replace("/");
      return;
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError("other", "Something went wrong.");
      setUnavailable(apiError.kind === "unavailable");
      if (mode === "signup" && apiError.kind === "conflict") {
        setRegistered(values.email.trim());
        requestAnimationFrame(() => errorRef.current?.focus());
        return;
      }
      const errors: Partial<Record<Field, string>> = {};
      for (const [name, message] of Object.entries(apiError.fieldErrors)) {
        if ((fields as string[]).includes(name)) errors[name as Field] = message;
      }
      let general: string | null = apiError.kind === "unavailable" ? null : apiError.message;
      if (Object.keys(errors).length > 0 && general === "Please correct the highlighted fields.") {
        general = null;
      }
      setFieldErrors(errors);
      setFormError(general);
      // Put the keyboard where the problem is.
      const first = fields.find((field) => errors[field]);
      requestAnimationFrame(() => (first ? refs.current[first]?.focus() : errorRef.current?.focus()));
    } finally {
      setBusy(false);
    }
  }

  const title = mode === "signup" ? "Create your account" : "Sign in to Pakaura";
  const prefilledEmail = params.get("email") ?? "";
  const labels: Record<Field, string> = { name: "Name (optional)", email: "Email", password: "Password" };

  return (
    <main className="auth-page">
      {unavailable ? <Banner /> : null}
      <div className="auth-card">
        <p className="brand" aria-hidden="true">
          Pakaura
        </p>
        <h1>{title}</h1>
        <p className="tagline">
          Pakaura is a to-do list you run by chatting: tell the assistant what to add, change or finish, or use the
          list yourself.
        </p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        {/* method="post": a submit before hydration must never put the password in the URL. */}
        <form
          method="post"
          onSubmit={submit}
          noValidate
          aria-describedby={formError || registered !== null ? "form-error" : undefined}
        >
          {fields.map((field) => (
            <TextField
              key={field}
              id={`auth-${field}`}
              label={labels[field]}
              error={fieldErrors[field]}
              hint={field === "password" && mode === "signup" ? PASSWORD_RULE : undefined}
              ref={(el) => {
                refs.current[field] = el;
              }}
              name={field}
              type={field === "password" ? "password" : field === "email" ? "email" : "text"}
              autoComplete={field === "password" ? (mode === "signup" ? "new-password" : "current-password") : field}
              required={field !== "name"}
              defaultValue={field === "email" ? prefilledEmail : ""}
            />
          ))}
          {formError ? (
            <p className="form-error" id="form-error" role="alert" tabIndex={-1} ref={errorRef}>
              {formError}
            </p>
          ) : null}
          {registered !== null ? (
            <p className="form-error" id="form-error" role="alert" tabIndex={-1} ref={errorRef}>
              That email already has an account.{" "}
              <Link href={`/signin?email=${encodeURIComponent(registered)}`}>Sign in instead</Link>
            </p>
          ) : null}
          <button className="button primary wide" type="submit" disabled={busy || !hydrated}>
            {busy ? "Please wait…" : mode === "signup" ? "Create account" : "Sign in"}
          </button>
        </form>
        <p className="switch">
          {mode === "signup" ? (
            <>
              Already have an account? <Link href="/signin">Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link href="/signup">Create an account</Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
