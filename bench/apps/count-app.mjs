// Counts the requests this worker answered and writes the count to $COUNT_DIR/<pid> when the
// process exits (the spread measurement reads one file per worker).
import fs from 'node:fs';

let served = 0;
process.on('exit', () => fs.writeFileSync(`${process.env.COUNT_DIR}/${process.pid}`, String(served)));

export default {
  fetch() {
    served++;
    return new Response('ok');
  },
};
