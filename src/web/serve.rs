//! The desk's HTTP server: one task per connection, a cap on open connections, a deadline for
//! a request's headers and for a connection that goes quiet, so that slow or silent clients
//! (slowloris) cannot hold the desk's sockets.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use super::WebDesk;
use super::routes::router;

/// Open connections at once; a further one is closed as soon as it is accepted.
pub const MAX_CONNECTIONS: usize = 256;
/// A request's headers must have arrived this long after its first byte.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection on which nothing is read or written for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often expired sessions and old login failures are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// Serves the desk on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, desk: Arc<WebDesk>) {
    let app = router(desk.clone());
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, for one: wait instead of spinning.
                    tracing::warn!(error = %e, "web desk could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = sweep.tick() => {
                let desk = desk.clone();
                tokio::task::spawn_blocking(move || desk.sweep());
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "web connection refused: too many open");
            continue;
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            });
            let io = TokioIo::new(Quiet::new(stream, IDLE_TIMEOUT));
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(io, service)
                .await;
            if let Err(e) = served {
                tracing::debug!(%peer, error = %e, "web connection ended");
            }
            drop(permit);
        });
    }
}

/// A stream that fails with `TimedOut` once nothing has moved through it for `limit`.
struct Quiet<S> {
    inner: S,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> Quiet<S> {
    fn new(inner: S, limit: Duration) -> Quiet<S> {
        Quiet {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn moved(&mut self) {
        let next = Instant::now() + self.limit;
        self.deadline.as_mut().reset(next);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "connection idle too long")
}

impl<S: AsyncRead + Unpin> AsyncRead for Quiet<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                self.moved();
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Quiet<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(result) => {
                self.moved();
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_quiet_stream_times_out_and_a_busy_one_does_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut quiet = Quiet::new(server, Duration::from_millis(300));
        let mut client = client;
        client.write_all(b"a").await.unwrap();
        let mut byte = [0u8; 1];
        quiet.read_exact(&mut byte).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.write_all(b"b").await.unwrap();
        quiet.read_exact(&mut byte).await.unwrap();
        assert_eq!(&byte, b"b");
        let err = quiet.read_exact(&mut byte).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    }
}
