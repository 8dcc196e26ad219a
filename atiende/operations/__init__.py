"""Running Atiende for real: health and readiness, metrics, structured logs, backups, the workers' heartbeat.

Nothing here decides anything about calls or work orders; it reports on the
processes and the stored queues so a proxy, an orchestrator, Prometheus or a
person can tell whether an installation is fit to serve (docs/deploy.md).
"""
