export function App() {
  return (
    <main className="app">
      <header className="app-header">
        <h1>SCEdit Studio</h1>
      </header>
      <p className="app-empty">The studio is starting up.</p>
    </main>
  );
}
