# Sourced by the scripts: `phase NAME CMD...` runs CMD, prints how long it took, and returns its status.
phase() {
    local name=$1 start=$SECONDS status=0
    shift
    echo "== $name"
    "$@" || status=$?
    echo "== $name: $((SECONDS - start)) s"
    return "$status"
}
