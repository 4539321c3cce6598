//! Traces over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: a `tracing` layer that
//! records finished spans (connections, boards, commits) and a background thread that POSTs
//! them in batches as OTLP JSON (`/v1/traces`, the protobuf-JSON mapping every OpenTelemetry
//! collector accepts). Hand-written instead of the `opentelemetry` crates: those cost minutes
//! of compile time on the build machines, and the relay needs only finished spans. Plain
//! `http://` only: point it at a local collector (which may forward over TLS). Export is best
//! effort: a full queue or an unreachable collector drops spans, never slows the relay.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

const QUEUE_SPANS: usize = 8192;
const BATCH_SPANS: usize = 512;
const FLUSH_EVERY: Duration = Duration::from_secs(1);
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Where and as what to export.
#[derive(Debug, Clone)]
pub struct OtlpConfig {
    /// `host:port` of the collector.
    pub authority: String,
    /// The request path, `/v1/traces` by default.
    pub path: String,
    pub service_name: String,
}

impl OtlpConfig {
    /// From `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// (`/v1/traces` appended) and `OTEL_SERVICE_NAME`; `None` when neither endpoint is set.
    /// `Err` for an endpoint this exporter cannot reach (not `http://`).
    pub fn from_env() -> Option<Result<OtlpConfig, String>> {
        let (endpoint, append) = match std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Ok(url) if !url.is_empty() => (url, false),
            _ => match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
                Ok(url) if !url.is_empty() => (url, true),
                _ => return None,
            },
        };
        let service_name =
            std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "tack-relay".to_owned());
        Some(Self::parse(&endpoint, append, service_name))
    }

    fn parse(endpoint: &str, append: bool, service_name: String) -> Result<OtlpConfig, String> {
        let rest = endpoint.strip_prefix("http://").ok_or_else(|| {
            format!("OTLP endpoint {endpoint:?}: only http:// is supported (use a local collector)")
        })?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], rest[slash..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let path = if append {
            format!("{path}/v1/traces")
        } else if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        };
        Ok(OtlpConfig {
            authority: authority.to_owned(),
            path,
            service_name,
        })
    }
}

/// One finished span.
#[derive(Debug, Clone)]
struct SpanRecord {
    trace_id: u128,
    span_id: u64,
    parent_span_id: Option<u64>,
    name: &'static str,
    start_nanos: u64,
    end_nanos: u64,
    attributes: Vec<(&'static str, String)>,
}

enum Message {
    Span(SpanRecord),
    /// Send what is queued and end.
    Stop,
}

/// Kept in each open span's extensions.
struct Open(SpanRecord);

struct Fields<'a>(&'a mut Vec<(&'static str, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name(), format!("{value:?}")));
    }
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// The `tracing` layer; spans go to the exporter thread.
pub struct OtlpLayer {
    spans: SyncSender<Message>,
}

/// Stops the exporter: what is queued is sent (bounded by the HTTP timeout).
pub struct OtlpGuard {
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    stop: SyncSender<Message>,
}

impl OtlpGuard {
    pub fn shutdown(self) {
        let _ = self.stop.send(Message::Stop);
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// The layer and its exporter thread. Spans are sent every second, and at `shutdown`.
pub fn layer(config: OtlpConfig) -> (OtlpLayer, OtlpGuard) {
    let (spans, queue) = sync_channel(QUEUE_SPANS);
    let thread = std::thread::Builder::new()
        .name("otlp-export".into())
        .spawn(move || export_loop(&config, &queue))
        .ok();
    (
        OtlpLayer {
            spans: spans.clone(),
        },
        OtlpGuard {
            thread: Mutex::new(thread),
            stop: spans,
        },
    )
}

impl<S> Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span.parent().and_then(|parent| {
            parent
                .extensions()
                .get::<Open>()
                .map(|open| (open.0.trace_id, open.0.span_id))
        });
        let (trace_id, parent_span_id) = match parent {
            Some((trace, parent_id)) => (trace, Some(parent_id)),
            None => (rand::random::<u128>().max(1), None),
        };
        let mut attributes = Vec::new();
        attrs.record(&mut Fields(&mut attributes));
        span.extensions_mut().insert(Open(SpanRecord {
            trace_id,
            span_id: rand::random::<u64>().max(1),
            parent_span_id,
            name: attrs.metadata().name(),
            start_nanos: now_nanos(),
            end_nanos: 0,
            attributes,
        }));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(open) = span.extensions_mut().get_mut::<Open>() {
                values.record(&mut Fields(&mut open.0.attributes));
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(Open(mut record)) = span.extensions_mut().remove::<Open>() else {
            return;
        };
        record.end_nanos = now_nanos();
        // A full queue drops the span: tracing must not slow the relay.
        let _ = self.spans.try_send(Message::Span(record));
    }
}

fn export_loop(config: &OtlpConfig, queue: &Receiver<Message>) {
    let mut batch = Vec::new();
    let mut last_flush = std::time::Instant::now();
    loop {
        let mut closed = false;
        match queue.recv_timeout(FLUSH_EVERY) {
            Ok(Message::Span(span)) => batch.push(span),
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => closed = true,
            Err(RecvTimeoutError::Timeout) => {}
        }
        while !closed && batch.len() < BATCH_SPANS {
            match queue.try_recv() {
                Ok(Message::Span(span)) => batch.push(span),
                Ok(Message::Stop) => closed = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty()
            && (closed || batch.len() >= BATCH_SPANS || last_flush.elapsed() >= FLUSH_EVERY)
        {
            if let Err(error) = post(config, &encode(config, &batch)) {
                tracing::debug!(%error, spans = batch.len(), "OTLP export failed; spans dropped");
            }
            batch.clear();
            last_flush = std::time::Instant::now();
        }
        if closed {
            return;
        }
    }
}

fn json_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::Value::String(text.to_owned()).to_string());
}

/// The OTLP JSON body: one resource, one scope, the spans (ids in hex, times as strings).
fn encode(config: &OtlpConfig, spans: &[SpanRecord]) -> String {
    let mut out = String::with_capacity(256 + spans.len() * 256);
    out.push_str(r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"#);
    json_string(&mut out, &config.service_name);
    out.push_str(r#"}}]},"scopeSpans":[{"scope":{"name":"tack-server"},"spans":["#);
    for (i, span) in spans.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"traceId":"{:032x}","spanId":"{:016x}","#,
            span.trace_id, span.span_id
        );
        if let Some(parent) = span.parent_span_id {
            let _ = write!(out, r#""parentSpanId":"{parent:016x}","#);
        }
        out.push_str(r#""name":"#);
        json_string(&mut out, span.name);
        let _ = write!(
            out,
            r#","kind":1,"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":["#,
            span.start_nanos, span.end_nanos
        );
        for (j, (key, value)) in span.attributes.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(r#"{"key":"#);
            json_string(&mut out, key);
            out.push_str(r#","value":{"stringValue":"#);
            json_string(&mut out, value);
            out.push_str("}}");
        }
        out.push_str("]}");
    }
    out.push_str("]}]}]}");
    out
}

/// One HTTP/1.1 POST; Ok when the collector answered 2xx.
fn post(config: &OtlpConfig, body: &str) -> std::io::Result<()> {
    let address = config
        .authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("collector address does not resolve"))?;
    let mut stream = TcpStream::connect_timeout(&address, HTTP_TIMEOUT)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        config.path,
        config.authority,
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut status = [0u8; 12];
    stream.read_exact(&mut status)?;
    if status.starts_with(b"HTTP/1.1 2") || status.starts_with(b"HTTP/1.0 2") {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "collector answered {}",
            String::from_utf8_lossy(&status)
        )))
    }
}
