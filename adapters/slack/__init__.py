"""The Slack adapter: copbot on slack-bolt, in Socket Mode or over HTTP."""

from adapters.slack.run import SlackOptions, run_slack, slack_running

__all__ = ["SlackOptions", "run_slack", "slack_running"]
