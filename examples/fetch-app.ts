// A fetch-style app in TypeScript: the same contract as Bun, Deno and Cloudflare Workers.
// Run it: npx circus-worker --bind 127.0.0.1:8080 examples/fetch-app.ts
interface Greeting {
  hello: string;
  pid: number;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/':
        return new Response('Hello from circus-worker\n');
      case '/json': {
        const body: Greeting = { hello: url.searchParams.get('name') ?? 'world', pid: process.pid };
        return Response.json(body);
      }
      case '/echo':
        return new Response(await request.text(), { headers: { 'content-type': request.headers.get('content-type') ?? 'text/plain' } });
      case '/stream':
        return new Response(
          new ReadableStream({
            async start(controller) {
              for (let i = 0; i < 5; i++) {
                controller.enqueue(new TextEncoder().encode(`chunk ${i}\n`));
                await new Promise((r) => setTimeout(r, 10));
              }
              controller.close();
            },
          }),
        );
      default:
        return new Response('Not Found\n', { status: 404 });
    }
  },
};
