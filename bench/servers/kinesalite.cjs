// Starts kinesalite (the baseline) in memory on 127.0.0.1 only; its own CLI binds every interface.
// usage: node kinesalite.cjs <port>
const kinesalite = require('kinesalite');
const port = Number(process.argv[2] || 0);
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
