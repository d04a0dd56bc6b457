# The WSGI app served by gunicorn and chaussette: the same bytes as bench/apps/payloads.ts.
import json

TEXT = 'text/plain; charset=UTF-8'
HELLO = b'Hello, World!'
JSON_DOC = {
    'id': 12345,
    'name': 'circus-worker benchmark',
    'tags': ['supervisor', 'prefork', 'uws', 'node', 'fetch', 'hono', 'wsgi', 'nginx'],
    'items': [{'id': i, 'title': 'item number %d' % i, 'price': 100 + i * 7, 'inStock': i % 3 != 0}
              for i in range(15)],
}
BIG = b'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_' * 1024


def _send(start_response, ctype, body):
    start_response('200 OK', [('Content-Type', ctype), ('Content-Length', str(len(body)))])
    return [body]


def app(environ, start_response):
    method = environ['REQUEST_METHOD']
    path = environ.get('PATH_INFO', '/')
    if method == 'GET' and path == '/hello':
        return _send(start_response, TEXT, HELLO)
    if method == 'GET' and path == '/json':
        body = json.dumps(JSON_DOC, separators=(',', ':')).encode()
        return _send(start_response, 'application/json', body)
    if method == 'GET' and path == '/64k':
        return _send(start_response, TEXT, BIG)
    if method == 'POST' and path == '/echo':
        length = int(environ.get('CONTENT_LENGTH') or 0)
        return _send(start_response, 'application/octet-stream', environ['wsgi.input'].read(length))
    start_response('404 Not Found', [('Content-Type', TEXT)])
    return [b'Not Found']
