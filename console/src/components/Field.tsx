import { useId, type ReactNode } from "react";

// A labelled control with its help and its error beside it; the control gets
// aria-invalid and aria-describedby through the render function.
export function Field({
  label,
  error,
  help,
  children,
  className,
}: {
  label: ReactNode;
  error?: string;
  help?: ReactNode;
  className?: string;
  children: (props: {
    id: string;
    "aria-invalid": boolean | undefined;
    "aria-describedby": string | undefined;
  }) => ReactNode;
}) {
  const id = useId();
  const described = [help ? id + "-help" : "", error ? id + "-error" : ""].filter(Boolean).join(" ");
  return (
    <div className={"field" + (error ? " has-error" : "") + (className ? " " + className : "")}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": described || undefined })}
      {help && (
        <p className="help" id={id + "-help"}>
          {help}
        </p>
      )}
      {error && (
        <p className="field-error" id={id + "-error"} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
