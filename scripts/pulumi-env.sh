# Sourced by the test, demo and benchmark scripts: use the toolchain in Pulumi's standard place
# and never reach the network at run time (no update checks, no plugin downloads).
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
export PATH="$PULUMI_HOME/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
