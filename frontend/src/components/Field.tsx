import type { ComponentPropsWithRef, ReactNode } from "react";

/** The attributes that tie a control to its hint (`<id>-rule`) and its error (`<id>-error`):
 * a screen reader reads both with the field, and the field says when it is invalid. */
export function fieldAria(id: string, error: string | undefined, hint?: ReactNode) {
  return {
    "aria-invalid": error ? true : undefined,
    "aria-describedby": [hint ? `${id}-rule` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined,
  } as const;
}

interface FieldProps {
  /** The control's id: its label points at it, its hint and error are named after it. */
  id: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  className?: string;
}

/** A labelled form control with its hint and its error (the control itself is `children`,
 * given `id` and `fieldAria(id, error, hint)`). */
export function Field({ id, label, error, hint, className = "field", children }: FieldProps & { children: ReactNode }) {
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <p className="field-hint" id={`${id}-rule`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A `Field` holding an `<input>`; every other prop (value, type, ref, …) goes to the input. */
export function TextField({ id, label, error, hint, className, ...input }: FieldProps & ComponentPropsWithRef<"input">) {
  return (
    <Field id={id} label={label} error={error} hint={hint} className={className}>
      <input id={id} {...input} {...fieldAria(id, error, hint)} />
    </Field>
  );
}
