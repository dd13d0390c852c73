#!/usr/bin/env bash
# Makes the Meshnode runtime image (README, "JPMS"): <target>/meshnode-image, from the jars of meshnode.jar.
#   - The platform's jars (every one that is not a Meshnode bundle, and Apache Felix Atomos) become modules of a jlink
#     image. jlink takes explicit modules only: each jar that is an automatic module gets the module-info that jdeps
#     derives from its classes, made `open` (OSGi code reflects into its own packages), compiled and added to the jar.
#   - Meshnode's own bundles (Bundle-Vendor: Meshnode) go to <image>/meshnode/bundles as they are: the framework
#     installs them as ordinary bundles, hot-swappable as in the jar.
#   - meshnode.jar's launcher.properties (the bndrun's framework properties and bundle list) goes to
#     <image>/meshnode/, with the module name of each platform jar, for the image's launcher (io.meshnode.image).
#   - The entry point is node's io.meshnode.node.Main, as in the jar: `<image>/bin/meshnode [--home <dir>]`
#     (src/dist/meshnode: the distribution's JVM flags and a class-data sharing archive made by a training start).
# Uses the JDK's jdeps, javac, jar and jlink (of the java on the PATH, or $JAVA_HOME's).
# Arguments: node/target/meshnode.jar (node's own jar beside it) and this module's target folder (classes/: the
# launcher module io.meshnode.image; atomos/: Atomos and its osgi.core, from maven-dependency-plugin).
set -euo pipefail
jar=${1:?usage: make-image.sh <meshnode.jar> <target dir>}
target=${2:?usage: make-image.sh <meshnode.jar> <target dir>}
bin=${JAVA_HOME:+$JAVA_HOME/bin/}
work=$target/image-work
image=$target/meshnode-image
rm -rf "$work" "$image"
mkdir -p "$work"/{all,plat,ours,launch,gen,src,classes}

unzip -q -j "$jar" 'jar/*.jar' -d "$work/all"
unzip -q -o "$jar" launcher.properties -d "$work"
for j in "$work"/all/*.jar; do
    if unzip -p "$j" META-INF/MANIFEST.MF | tr -d '\r' | grep -q '^Bundle-Vendor: Meshnode$'; then
        mv "$j" "$work/ours/"
    elif [[ $(basename "$j") == biz.aQute.launcher-* ]]; then
        rm "$j" # bnd's launcher: the image has its own
    else
        mv "$j" "$work/plat/"
    fi
done
cp "$target"/atomos/*.jar "$work/plat/"
cp "$(dirname "$jar")"/node-*.jar "$work/launch/"

# module name of each platform jar, and the automatic ones
declare -A module_of jar_of
autos=()
while read -r name location flags; do
    name=${name%%@*}
    j=${location#file://}
    module_of[$(basename "$j")]=$name
    jar_of[$name]=$j
    if [[ ${flags:-} == automatic ]]; then
        autos+=("$name")
    fi
done < <("${bin}java" --module-path "$work/plat" --list-modules | grep ' file:')

# the services that the automatic modules load with ServiceLoader (found with javap: ServiceLoader.load's callers)
declare -A uses=(
    [org.jline]="org.jline.terminal.spi.JansiSupport org.jline.terminal.spi.JnaSupport"
    [org.apache.sshd.osgi]="org.apache.sshd.common.io.IoServiceFactoryFactory"
)
if ((${#autos[@]})); then
    jars=()
    for name in "${autos[@]}"; do jars+=("${jar_of[$name]}"); done
    "${bin}jdeps" --ignore-missing-deps --multi-release 17 --generate-module-info "$work/gen" \
        --module-path "$work/plat" "${jars[@]}" >"$work/jdeps.log"
    patches=()
    for name in "${autos[@]}"; do
        info=$work/src/$name/module-info.java
        mkdir -p "$(dirname "$info")"
        # open: OSGi code reflects into its own packages (SCR's components, Felix's activators)
        sed 's/^module /open module /' "$work/gen/$name/versions/17/module-info.java" >"$info"
        # SLF4J 1.7's API links to its binding (org.slf4j.impl), which requires the API: a cycle that JPMS refuses.
        # The image reads the binding with --add-reads instead (ModuleReads.java, jlink --add-options below).
        if [[ $name == org.slf4j ]]; then
            sed -i '/requires org.slf4j.jul;/d' "$info"
        fi
        # jdeps writes no `uses`, and ServiceLoader refuses a named module that does not declare the service it loads
        for service in ${uses[$name]:-}; do
            sed -i "0,/^    exports /s//    uses $service;\n\n    exports /" "$info"
        done
        patches+=(--patch-module "$name=${jar_of[$name]}")
    done
    "${bin}javac" -nowarn -d "$work/classes" --module-source-path "$work/src" --module-path "$work/plat" \
        "${patches[@]}" --module "$(IFS=,; echo "${autos[*]}")" 2> >(grep -v -e '^warning' -e '^[0-9]* warning' >&2)
    for name in "${autos[@]}"; do
        "${bin}jar" --update --file "${jar_of[$name]}" -C "$work/classes/$name" module-info.class
    done
fi

modules=$(printf '%s\n' "${module_of[@]}" io.meshnode.image node | sort -u)
# the JDK modules whose packages a bundle imports, and the read edges the OSGi wiring needs beyond the module-infos
plan=$("${bin}java" "$(dirname "${BASH_SOURCE[0]}")/ModuleReads.java" "$work/plat" "$work/ours")
echo "$plan" >"$work/module-reads.txt"
jdk=$(sed -n 's/^jdk //p' <<<"$plan")
# (a leading space: jlink would take a value that starts with -- for its next option)
options=" --add-modules=ALL-SYSTEM$(sed -n 's/^reads / --add-reads=/p' <<<"$plan" | tr -d '\n')"
add=$(printf '%s\n' $modules $jdk jdk.crypto.ec | sort -u | paste -sd, -)

"${bin}jlink" --module-path "$work/plat:$work/launch:$target/classes" --add-modules "$add" --output "$image" \
    --add-options "$options" \
    --no-header-files --no-man-pages --ignore-signing-information --generate-cds-archive

# (the archive for heaps over 32 GB, without compressed oops, is no use to a node with -Xmx256m)
rm -f "$image/lib/server/classes_nocoops.jsa"
# the entry point: node's Main, with the distribution's JVM flags (src/dist/meshnode)
cp "$(dirname "${BASH_SOURCE[0]}")/../dist/meshnode" "$image/bin/meshnode"
mkdir -p "$image/meshnode/bundles"
cp "$work"/ours/*.jar "$image/meshnode/bundles/"
{
    cat "$work/launcher.properties"
    echo "# the image's platform jars, as modules (make-image.sh)"
    for j in "${!module_of[@]}"; do
        echo "meshnode.image.module.$j=${module_of[$j]}"
    done | sort
} >"$image/meshnode/launcher.properties"
# Class-data sharing: a start of the image to the SSH console (the last to start) and a stop write lib/meshnode.jsa
# (JDK 17's dynamic archive, over the JDK's base archive that jlink made); bin/meshnode maps it at every start.
train=$work/train
mkdir -p "$train/etc"
echo "listen = 127.0.0.1:0" >"$train/etc/meshnode.mesh.cfg"
ssh_port=$((20000 + RANDOM % 20000))
echo "port = $ssh_port" >"$train/etc/meshnode.ssh.cfg"
echo "port = 0" >"$train/etc/meshnode.metrics.cfg"
"$image/bin/java" -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$image/lib/meshnode.jsa" -Xlog:cds=off,cds+dynamic=off \
    -m node/io.meshnode.node.Main --home "$train" </dev/null >"$work/train.out" 2>&1 &
pid=$!
for ((i = 0; i < 600; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$pid" 2>/dev/null || true
# (143: the JVM's status after SIGTERM)
wait "$pid" || (($? == 143)) || { echo "make-image: the training start failed:" >&2; cat "$work/train.out" >&2; exit 1; }
[[ -s $image/lib/meshnode.jsa ]] || { echo "make-image: no class-data sharing archive written" >&2; exit 1; }

echo "make-image: $image ($(du -sh "$image" | cut -f1)), $(wc -w <<<"$modules") modules and $(ls "$image/meshnode/bundles" | wc -l) bundles"
