//! A body with no Content-Length is cut off while streaming, as soon as it passes the
//! limit. axum always knows its body length, so this server is a few lines of raw TCP.

use std::time::Duration;

use casesearch_crawl::{FetchError, FetchOptions, Fetcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn oversized_body_without_content_length_is_aborted_while_streaming() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let mut body_bytes_sent = 0usize;
        // Two connections: robots.txt, then the document.
        for _ in 0..2 {
            let Ok((mut socket, _)) = listener.accept().await else {
                break;
            };
            let mut request = vec![0u8; 4096];
            let read = socket.read(&mut request).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&request[..read]).to_string();
            if head.starts_with("GET /robots.txt") {
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\nconnection: close\r\n\r\n%PDF-1.4\n")
                .await;
            // Up to 64 MiB, far past the limit; the client hangs up long before.
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..1024 {
                if socket.write_all(&chunk).await.is_err() {
                    break;
                }
                body_bytes_sent += chunk.len();
            }
        }
        body_bytes_sent
    });

    let mut options = FetchOptions::new("mailto:crawl-tests@example.org");
    options.delay = Duration::from_millis(1);
    options.max_body_bytes = 256 * 1024;
    let fetcher = Fetcher::new(options).expect("client");
    let url = url::Url::parse(&format!("http://{address}/big.pdf")).expect("url");
    let error = fetcher
        .fetch(&url, None, |_| true)
        .await
        .expect_err("too large");
    assert_eq!(error, FetchError::TooLarge { limit: 256 * 1024 });
    let sent = server.await.expect("server");
    assert!(
        sent < 64 * 1024 * 1024,
        "the client stopped reading; server sent {sent}"
    );
}
