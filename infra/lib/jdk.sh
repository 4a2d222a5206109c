# Sourced by infra/start, infra/test and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Honours JAVA_HOME when it is recent enough; otherwise looks in the usual places.
tokenmeter_java_feature() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}

tokenmeter_find_jdk() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" \
      $(ls -d /usr/lib/jvm/*/ /usr/local/lib/jvm/*/ /opt/java/*/ /Library/Java/JavaVirtualMachines/*/Contents/Home/ 2>/dev/null | sort -rV) \
      "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    candidate="${candidate%/}"
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(tokenmeter_java_feature "$candidate")
    if [ -n "$version" ] && [ "$version" -ge 21 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(tokenmeter_find_jdk); then
  echo "TokenMeter needs a JDK 21 or newer. Install one (e.g. 'apt-get install openjdk-21-jdk-headless') or set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
