// An Express app (a node-style handler): circus-worker serves it natively on node:http.
const express = require('express');

const app = express();
app.use(express.text({ type: '*/*' }));
app.get('/', (_req, res) => res.type('text').send('Hello from Express on circus-worker\n'));
app.get('/json', (req, res) => res.json({ hello: req.query.name ?? 'world' }));
app.post('/echo', (req, res) => res.type('text').send(req.body));

module.exports = app;
