//! Decompression on its own thread: a [`ReadAhead`] reads its source a
//! chunk ahead of the consumer, so inflating a `.gz` or `.zst` archive (a
//! single-threaded job) overlaps the parsing and fingerprinting of what was
//! already read instead of stalling them.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, sync_channel};

/// Bytes read from the source at a time.
const CHUNK_BYTES: usize = 1 << 20;
/// Chunks waiting for the consumer at most: 32 MB, a batch of JSONL
/// lines (see `corpus::read`), so a whole batch is inflated while the one
/// before it is processed.
const CHUNKS_AHEAD: usize = 32;

/// A reader fed by a thread that reads the source ahead.
#[derive(Debug)]
pub struct ReadAhead {
    /// `None` once dropped, which tells the thread to stop.
    chunks: Option<Receiver<io::Result<Vec<u8>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    current: Vec<u8>,
    at: usize,
    finished: bool,
}

impl ReadAhead {
    /// Starts reading `source` on a new thread. The thread stops at the end
    /// of the source, on its first error (handed on to the consumer), or
    /// when the `ReadAhead` is dropped, which waits for it (its read under
    /// way, one chunk at most), so no thread outlives its reader.
    pub fn new(mut source: Box<dyn Read + Send>) -> Self {
        let (sender, chunks) = sync_channel(CHUNKS_AHEAD);
        let thread = std::thread::spawn(move || {
            loop {
                let mut chunk = vec![0u8; CHUNK_BYTES];
                let sent = match source.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.truncate(n);
                        sender.send(Ok(chunk))
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Err(err) => {
                        let _ = sender.send(Err(err));
                        break;
                    }
                };
                if sent.is_err() {
                    break;
                }
            }
        });
        ReadAhead {
            chunks: Some(chunks),
            thread: Some(thread),
            current: Vec::new(),
            at: 0,
            finished: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.finished {
                return Ok(0);
            }
            let Some(chunks) = &self.chunks else {
                return Ok(0);
            };
            match chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Ok(Err(err)) => {
                    self.finished = true;
                    return Err(err);
                }
                Err(_) => {
                    self.finished = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // A closed channel fails the thread's next send, which ends it.
        drop(self.chunks.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes a few at a time, then fails.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.bytes.len() {
                return Err(io::Error::other("disk gone"));
            }
            let n = buf.len().min(7).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn passes_every_byte_in_order() {
        let bytes: Vec<u8> = (0..3 * CHUNK_BYTES + 11).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        ReadAhead::new(Box::new(io::Cursor::new(bytes.clone())))
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, bytes);
    }

    #[test]
    fn a_source_error_reaches_the_consumer_after_the_bytes_before_it() {
        let mut reader = ReadAhead::new(Box::new(Trickle {
            bytes: b"first bytes".to_vec(),
            at: 0,
        }));
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, b"first bytes");
        assert_eq!(err.to_string(), "disk gone");
        assert_eq!(reader.read(&mut [0u8; 4]).unwrap(), 0);
    }

    /// Counts the reads made of it, and never ends.
    struct Endless(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            buf.fill(b'x');
            Ok(buf.len())
        }
    }

    #[test]
    fn dropping_the_reader_stops_its_thread() {
        let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut reader = ReadAhead::new(Box::new(Endless(reads.clone())));
        reader.read_exact(&mut [0u8; 10]).unwrap();
        drop(reader);
        let after_drop = reads.load(std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), after_drop);
    }
}
