import Home from "@/components/Home";

// Static shell: `GET /` is the liveness probe, so it must answer without touching the API.
// The session is checked from the browser once the page has loaded.
export default function Page() {
  return <Home />;
}
