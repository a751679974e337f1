/** The "service unavailable" banner: shown whenever the backend cannot be reached. */
export default function Banner({ onRetry }: { onRetry?: () => void }) {
  return (
    <div className="banner" role="alert">
      <p>
        <strong>The Pakaura service is unavailable right now.</strong> Nothing you typed has been
        lost — try again in a moment.
      </p>
      {onRetry ? (
        <button type="button" className="button secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
