# Sourced by the scripts: `phase NAME CMD...` runs CMD and prints how long it took.
phase() {
    local name=$1
    shift
    local start=$SECONDS
    echo "== $name"
    "$@"
    echo "== $name: $((SECONDS - start)) s"
}
