const path = require('path');
const express = require('express');
const { greet } = require('./lib/greet');

const app = express();
const port = Number(process.env.PORT || 3000);

app.use(express.static(path.join(__dirname, 'public')));
app.get('/health', (req, res) => res.json({ ok: true }));
app.get('/hello/:name', (req, res) => res.send(greet(req.params.name)));
app.get('/', (req, res) => res.sendFile(path.join(__dirname, 'views', 'index.html')));

app.listen(port, () => console.log(`listening on ${port}`));
