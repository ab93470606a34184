//! Assembling and running the server: open storage, bind, serve until shutdown, drain.

use std::net::SocketAddr;
use std::sync::Arc;

use ordersync_shopify::webhook::WebhookSecrets;
use ordersync_store::Store;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::auth::AuthService;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::worker::Worker;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Storage.
    pub store: Store,
    /// The secrets webhooks are verified with; `None` refuses every webhook.
    pub webhook_secrets: Option<WebhookSecrets>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Wakes this process's worker when a job was enqueued.
    pub jobs_waiting: Arc<Notify>,
    /// Writes webhook deliveries in batches (group commit).
    pub intake: crate::service::intake::IntakeWriter,
    /// Install, tokens and session tokens.
    pub auth: AuthService,
    /// The Order add-on's charge.
    pub addon: Arc<crate::config::AddonConfig>,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Storage could not be opened or migrated.
    #[error("cannot open storage: {0}")]
    Store(#[from] ordersync_store::StoreError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The Shopify clients could not be built.
    #[error("cannot build the Shopify clients: {0}")]
    Clients(#[from] crate::auth::BuildError),
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// A server that is bound and ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    config: Config,
    extra_routes: Option<axum::Router>,
    intake_writer: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Opens (and migrates) storage and binds the listen address (port 0 picks a free port).
    pub async fn bind(config: Config) -> Result<Self, ServeError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Self::on_listener(config, listener).await
    }

    /// Opens (and migrates) storage and serves on a listener bound already (the sandbox binds
    /// first, since its app URL needs the port).
    pub async fn on_listener(config: Config, listener: TcpListener) -> Result<Self, ServeError> {
        let store = Store::open(&config.database).await?;
        let auth = AuthService::new(store.clone(), config.auth.clone())?;
        if config.shopify.api_secret.is_empty() && config.roles.api {
            tracing::warn!("no Shopify app secret configured (ORDERSYNC_SHOPIFY_API_SECRET): every webhook will be refused");
        }
        let jobs_waiting = Arc::new(Notify::new());
        let (intake, intake_writer) = crate::service::intake::IntakeWriter::start(
            &store,
            Arc::clone(&jobs_waiting),
            config.effective_webhook_fsync(),
        );
        let state = AppState {
            store,
            auth,
            addon: Arc::new(config.addon.clone()),
            webhook_secrets: crate::service::intake::secrets(&config.shopify),
            metrics: Arc::new(Metrics::default()),
            jobs_waiting,
            intake,
        };
        Ok(Server {
            listener,
            state,
            config,
            extra_routes: None,
            intake_writer,
        })
    }

    /// Serves `routes` next to the server's own (the sandbox's helper routes).
    pub fn with_routes(mut self, routes: axum::Router) -> Self {
        self.extra_routes = Some(routes);
        self
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// Install and auth (tests reach the token refresh through it).
    pub fn auth(&self) -> &AuthService {
        &self.state.auth
    }

    /// The storage the server uses.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// A worker on this server's storage, woken by its webhook intake and counting into its
    /// metrics. [`Server::run`] starts one when the `worker` role is on; tests with only the
    /// `api` role drive one themselves with [`Worker::run_once`].
    pub fn worker(&self) -> Worker {
        Worker::new(
            self.state.store.clone(),
            self.state.auth.clone(),
            self.config.worker,
            Arc::clone(&self.state.jobs_waiting),
            Arc::clone(&self.state.metrics),
        )
    }

    /// Serves until `shutdown` fires, then lets in-flight requests finish (up to the grace
    /// period) and closes storage.
    pub async fn run(self, shutdown: Shutdown) -> Result<(), ServeError> {
        let addr = self.local_addr()?;
        tracing::info!(%addr, backend = self.state.store.backend().as_str(), "ordersync listening on http://{addr}");
        let store = self.state.store.clone();
        let worker = self
            .config
            .roles
            .worker
            .then(|| tokio::spawn(self.worker().run(shutdown.clone())));
        let scheduler = self.config.roles.worker.then(|| {
            let tasks = crate::scheduler::periodic_tasks(&self.config.worker);
            let scheduler = crate::scheduler::Scheduler::new(
                self.state.store.clone(),
                tasks,
                Arc::clone(&self.state.jobs_waiting),
            );
            tokio::spawn(scheduler.run(self.config.worker.poll_interval, shutdown.clone()))
        });
        let retention = self
            .config
            .worker
            .webhook_body_retention
            .filter(|_| self.config.roles.worker)
            .map(|retention| {
                tokio::spawn(crate::service::retention::drop_old_bodies_periodically(
                    self.state.store.clone(),
                    retention,
                    shutdown.clone(),
                ))
            });
        let refresher = tokio::spawn(crate::auth::refresh_periodically(
            self.state.auth.clone(),
            shutdown.clone(),
        ));
        let mut app = crate::http::router(self.state, self.config.roles.api);
        if let Some(extra) = self.extra_routes {
            app = app.merge(extra);
        }
        let drain = shutdown.clone();
        let serve = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { drain.wait().await });
        let grace = self.config.shutdown_grace;
        tokio::select! {
            result = serve => result?,
            () = async { shutdown.wait().await; tokio::time::sleep(grace).await } => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
            }
        }
        if let Some(worker) = worker {
            // The worker stops between jobs; a job still running past the grace period is
            // abandoned and its lease expires.
            if tokio::time::timeout(grace, worker).await.is_err() {
                tracing::warn!("the worker was still running a job at shutdown");
            }
        }
        if let Some(scheduler) = scheduler {
            scheduler.abort();
        }
        if let Some(retention) = retention {
            retention.abort();
        }
        refresher.abort();
        // The webhook writer stops once the last handler is gone (after answering what it took).
        if tokio::time::timeout(grace, self.intake_writer)
            .await
            .is_err()
        {
            tracing::warn!("the webhook writer was still writing at shutdown");
        }
        store.close().await;
        tracing::info!("ordersync stopped");
        Ok(())
    }
}
