#!/bin/sh
# Patchfield collector for Linux and macOS.
#
# Writes ONE text file describing this machine for Patchfield: host name, addresses, operating system, installed
# packages or applications, and the updates on offer. It only reads: it installs, refreshes and changes nothing,
# and it does not need root (run it as any user). Format: FORMAT.md beside this script ("# patchfield-collector 1").
#
# Usage: sh patchfield-collect.sh [-o FILE] [--no-updates]
#   -o FILE       where to write (default: ./patchfield-<host>-<yyyymmdd-hhmmss>.txt)
#   --no-updates  do not look for pending updates (macOS asks Apple's servers, which can take minutes)
#
# Plain POSIX sh (dash, busybox ash, macOS /bin/sh): no bash features, only tools found on a base system.

COLLECTOR_VERSION=1.0.0

usage() {
  cat <<'EOF_USAGE'
Usage: sh patchfield-collect.sh [-o FILE] [--no-updates]
  -o FILE       where to write (default: ./patchfield-<host>-<yyyymmdd-hhmmss>.txt)
  --no-updates  do not look for pending updates (macOS asks Apple's servers, which can take minutes)
EOF_USAGE
}

out=''
check_updates=1
while [ $# -gt 0 ]; do
  case $1 in
    -o|--output)
      if [ $# -lt 2 ]; then echo "patchfield-collect: $1 needs a file name" >&2; exit 2; fi
      out=$2
      shift 2
      ;;
    --no-updates) check_updates=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "patchfield-collect: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command with a time limit where the system has `timeout` (GNU coreutils, busybox); macOS has none.
if have timeout; then
  limited() { limit=$1; shift; timeout "$limit" "$@"; }
else
  limited() { shift; "$@"; }
fi

# Values never contain TAB, CR or LF (FORMAT.md): turn them into spaces.
clean() { printf '%s' "$1" | tr '\t\r\n' '   '; }

os_kind=$(uname -s 2>/dev/null)
full_name=$(hostname 2>/dev/null || uname -n 2>/dev/null)
host_short=${full_name%%.*}
[ -n "$host_short" ] || host_short=unknown

if [ -z "$out" ]; then
  out="./patchfield-$(clean "$host_short" | tr -c 'A-Za-z0-9._-' '_')-$(date +%Y%m%d-%H%M%S).txt"
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t patchfield)
if [ -z "$tmp" ] || [ ! -d "$tmp" ]; then
  echo "patchfield-collect: cannot create a temporary folder (is /tmp writable?)" >&2
  exit 1
fi
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM
: > "$tmp/errors"

# The output is written as the collector goes: if it is stopped, the file lacks its final [end] line and
# Patchfield says the file is incomplete instead of taking it for the whole machine. (A failed redirection on
# `exec` would end the shell without a word, so try it in a subshell first.)
if ! (: > "$out") 2>/dev/null; then
  echo "patchfield-collect: cannot write $out; choose another place with -o FILE" >&2
  exit 1
fi
exec 3> "$out"

line() { printf '%s\n' "$1" >&3; }
kv() { printf '%s=%s\n' "$1" "$(clean "$2")" >&3; }
# Records a step that failed, for the [errors] section.
fail() { printf '%s\t%s\n' "$1" "$(clean "$2")" >> "$tmp/errors"; }

line '# patchfield-collector 1'
line "# Written by patchfield-collect.sh $COLLECTOR_VERSION. Import this file into Patchfield."

# --- [collector] ------------------------------------------------------------------------------------------
line '[collector]'
kv name patchfield-collect.sh
kv version "$COLLECTOR_VERSION"
kv collected_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
if [ "$(id -u 2>/dev/null)" = 0 ]; then kv elevated yes; else kv elevated no; fi
if [ "$os_kind" = Linux ] && have apt-get && [ -d /var/lib/apt/lists ]; then
  # The newest package index: pending apt updates are only as fresh as the last `apt update`.
  # shellcheck disable=SC2012 # ls -t is the portable way to find the newest file here
  newest=$(ls -t /var/lib/apt/lists/*_Packages* /var/lib/apt/lists/*Release 2>/dev/null | head -n 1)
  if [ -n "$newest" ]; then
    lists_date=$(date -u -r "$newest" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
    [ -n "$lists_date" ] && kv package_lists_date "$lists_date"
  fi
fi

# --- [host] -----------------------------------------------------------------------------------------------
line '[host]'
kv hostname "$host_short"
fqdn=''
if [ "$os_kind" = Linux ]; then
  fqdn=$(limited 5 hostname -f 2>/dev/null)
fi
case $fqdn in *.*) ;; *) fqdn='' ;; esac
if [ -z "$fqdn" ]; then
  case $full_name in *.*) fqdn=$full_name ;; esac
fi
case $fqdn in localhost|localhost.*) fqdn='' ;; esac
if [ -n "$fqdn" ]; then
  kv fqdn "$fqdn"
  # macOS names itself <name>.local (multicast DNS), which is no DNS domain.
  case $fqdn in *.local) ;; *) kv domain "${fqdn#*.}" ;; esac
fi

# --- [ips] ------------------------------------------------------------------------------------------------
# Addresses without prefix length or %zone, loopback left out.
list_ips() {
  if have ip; then
    # "2: eth0    inet 192.0.2.10/24 brd ..." (one line per address); the loopback interface is left out.
    ip -o addr show 2>/dev/null | awk '$2 != "lo" { for (i = 3; i < NF; i++) if ($i == "inet" || $i == "inet6") print $(i + 1) }'
  elif have ifconfig; then
    # macOS and old Linux: "en0: flags=..." then indented "inet 192.168.1.42 netmask ..." or "inet addr:...".
    ifconfig -a 2>/dev/null | awk '/^[^ \t]/ { ifname = $1 }
      ifname !~ /^lo/ && ($1 == "inet" || $1 == "inet6") { a = $2; sub(/^addr:/, "", a); print a }'
  elif have hostname; then
    hostname -I 2>/dev/null | tr ' ' '\n'
  fi
}
line '[ips]'
list_ips | sed -e 's#/.*##' -e 's#%.*##' | grep -v -e '^127\.' -e '^::1$' -e '^$' | awk '!seen[$0]++' > "$tmp/ips"
if [ -s "$tmp/ips" ]; then cat "$tmp/ips" >&3; else fail ips 'no network address found (ip, ifconfig and hostname -I gave none)'; fi

# --- [macs] -----------------------------------------------------------------------------------------------
# Network adapters backed by a device (physical or virtual-machine NICs), not bridges, tunnels or containers.
list_macs() {
  if [ "$os_kind" = Darwin ] && have networksetup; then
    networksetup -listallhardwareports 2>/dev/null | awk -F': ' '/^Ethernet Address: / { print $2 }'
  elif [ -d /sys/class/net ]; then
    for dev in /sys/class/net/*; do
      [ -e "$dev/device" ] && [ -r "$dev/address" ] && cat "$dev/address"
    done
  elif have ifconfig; then
    ifconfig -a 2>/dev/null | awk '/^en[0-9]/ { en = 1; next } /^[^ \t]/ { en = 0 } en && $1 == "ether" { print $2 }'
  fi
}
line '[macs]'
list_macs | tr 'A-F' 'a-f' | grep -E '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' | grep -v '^00:00:00:00:00:00$' | awk '!seen[$0]++' >&3

# --- [os] and [os-release] ----------------------------------------------------------------------------------
line '[os]'
case $os_kind in
  Linux) kv family linux ;;
  Darwin) kv family macos ;;
  *) kv family unix ;;
esac
if [ "$os_kind" = Darwin ] && have sw_vers; then
  kv name "$(sw_vers -productName 2>/dev/null)"
  kv version "$(sw_vers -productVersion 2>/dev/null)"
  kv build "$(sw_vers -buildVersion 2>/dev/null)"
  extra=$(sw_vers -productVersionExtra 2>/dev/null)
  [ -n "$extra" ] && kv version_extra "$extra"
elif [ "$os_kind" != Linux ]; then
  kv name "$os_kind"
  kv version "$(uname -r 2>/dev/null)"
fi
kv architecture "$(uname -m 2>/dev/null)"
kv kernel "$(uname -r 2>/dev/null)"
if [ "$os_kind" = Linux ]; then
  os_release=''
  for f in /etc/os-release /usr/lib/os-release; do
    if [ -r "$f" ]; then os_release=$f; break; fi
  done
  line '[os-release]'
  if [ -n "$os_release" ]; then
    tr '\t\r' '  ' < "$os_release" | grep -v '^[[:space:]]*$' >&3
  else
    fail os 'no /etc/os-release or /usr/lib/os-release: the distribution is unknown'
  fi
fi

# --- [software] -------------------------------------------------------------------------------------------
# Columns: name, version, vendor, architecture, source, ecosystem, installed_on.
: > "$tmp/software"
if have dpkg-query; then
  # State "ii" only: installed and wanted (not removed with config left, not half-installed).
  if ! dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\n' \
      > "$tmp/dpkg" 2> "$tmp/dpkg.err"; then
    fail software "dpkg-query failed: $(head -n 1 "$tmp/dpkg.err")"
  fi
  awk -F '\t' -v OFS='\t' '$1 ~ /^ii/ { print $2, $3, "", $4, $5, "deb", "" }' "$tmp/dpkg" >> "$tmp/software"
fi
if have rpm && [ "$os_kind" = Linux ]; then
  if rpm -qa --qf '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{ARCH}\t%{SOURCERPM}\t%{INSTALLTIME}\n' \
      > "$tmp/rpm" 2> "$tmp/rpm.err"; then
    # gpg-pubkey entries are imported signing keys, not packages. The source RPM loses its version.
    awk -F '\t' -v OFS='\t' '$1 != "gpg-pubkey" {
      vendor = $3; if (vendor == "(none)") vendor = ""
      arch = $4; if (arch == "(none)") arch = ""
      src = $5; if (src == "(none)") src = ""; sub(/-[^-]*-[^-]*\.(no)?src\.rpm$/, "", src)
      print $1, $2, vendor, arch, src, "rpm", $6
    }' "$tmp/rpm" >> "$tmp/software"
  else
    fail software "rpm -qa failed: $(head -n 1 "$tmp/rpm.err")"
  fi
fi
if [ -r /lib/apk/db/installed ]; then
  # Alpine's package database: one block per package (P: name, V: version, A: arch, o: origin).
  awk -v OFS='\t' '
    function flush() { if (p != "") print p, v, "", a, o, "apk", ""; p = v = a = o = "" }
    /^P:/ { p = substr($0, 3) } /^V:/ { v = substr($0, 3) } /^A:/ { a = substr($0, 3) } /^o:/ { o = substr($0, 3) }
    /^$/ { flush() } END { flush() }' /lib/apk/db/installed >> "$tmp/software"
fi
if have pacman && [ "$os_kind" = Linux ]; then
  pacman -Q 2>/dev/null | awk -v OFS='\t' 'NF >= 2 { print $1, $2, "", "", "", "pacman", "" }' >> "$tmp/software"
fi
if [ "$os_kind" = Darwin ] && have system_profiler; then
  # The XML (plist) output, whose keys are never translated (the text output is): the app dictionaries of
  # the "_items" array, with "_name", "version", "obtained_from", "arch_kind" and "signed_by" (first string).
  system_profiler -xml SPApplicationsDataType 2> "$tmp/sp.err" | awk -v OFS='\t' '
    function text(s) {
      sub(/^[ \t]*<(string|key)>/, "", s); sub(/<\/(string|key)>[ \t]*$/, "", s)
      gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&amp;/, "\\&", s)
      return s
    }
    function flush() {
      if (name != "") {
        vendor = ""
        if (from == "apple") vendor = "Apple"
        else if (signed ~ /^Developer ID Application: /) {
          vendor = signed; sub(/^Developer ID Application: /, "", vendor); sub(/ \([A-Z0-9]+\)$/, "", vendor)
        }
        arch = kind
        if (kind == "arch_arm_i64") arch = "Universal"; else if (kind == "arch_arm") arch = "Apple Silicon"
        else if (kind == "arch_i64" || kind == "arch_i32_i64" || kind == "arch_i32") arch = "Intel"
        print name, version, vendor, arch, "", "macos-app", ""
      }
      name = version = from = kind = signed = key = ""
    }
    /<key>_items<\/key>/ && depth == 0 { items = 1; next }
    !items { next }
    /<dict>/ { depth++; if (depth == 1) flush(); next }
    /<\/dict>/ { if (depth == 1) flush(); depth--; next }
    depth == 0 && /<\/array>/ { items = 0; next }
    depth == 1 && /<key>/ { key = text($0); next }
    depth == 1 && /<string>/ {
      v = text($0)
      if (key == "_name") name = v; else if (key == "version") version = v
      else if (key == "obtained_from") from = v; else if (key == "arch_kind") kind = v
      else if (key == "signed_by" && signed == "") signed = v
    }' >> "$tmp/software"
  [ -s "$tmp/software" ] || fail software "system_profiler listed no applications: $(head -n 1 "$tmp/sp.err")"
fi
line '[software]'
tr -d '\r' < "$tmp/software" >&3
if [ ! -s "$tmp/software" ] && ! grep -q '^software' "$tmp/errors"; then
  fail software 'no package manager found (looked for dpkg, rpm, apk, pacman, system_profiler)'
fi

# --- [pending] --------------------------------------------------------------------------------------------
# Columns: name, version, current_version, architecture, repository, kb, security, reboot, kind.
: > "$tmp/pending"
if [ "$check_updates" = 1 ]; then
  if have apt; then
    # Reads the package lists as they are (no `apt update`: that needs root and changes the system).
    # "openssl/bookworm-security 3.0.13-1~deb12u1 amd64 [upgradable from: 3.0.11-1~deb12u2]"
    if LC_ALL=C limited 120 apt list --upgradable > "$tmp/apt" 2> "$tmp/apt.err"; then
      awk -v OFS='\t' '/\[upgradable from: / {
        slash = index($1, "/"); name = substr($1, 1, slash - 1); repo = substr($1, slash + 1)
        current = $0; sub(/.*\[upgradable from: /, "", current); sub(/\].*/, "", current)
        print name, $2, current, $3, repo, "", (repo ~ /security/ ? "yes" : "no"), "", "package"
      }' "$tmp/apt" >> "$tmp/pending"
    else
      fail pending "apt list --upgradable failed: $(grep -v '^WARNING' "$tmp/apt.err" | grep -v '^$' | head -n 1)"
    fi
  elif have apt-get; then
    # "Inst openssl [3.0.11-1~deb12u2] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])"
    LC_ALL=C limited 120 apt-get -s -o Debug::NoLocking=1 dist-upgrade 2>/dev/null | awk -v OFS='\t' '$1 == "Inst" {
      current = ""; if ($3 ~ /^\[/) { current = $3; gsub(/[][]/, "", current) }
      rest = $0; sub(/^[^(]*\(/, "", rest); sub(/\)[^)]*$/, "", rest)
      version = rest; sub(/ .*/, "", version)
      arch = rest; sub(/.*\[/, "", arch); sub(/\].*/, "", arch)
      repo = rest; sub(/^[^ ]* /, "", repo); sub(/ *\[[^]]*\]$/, "", repo)
      print $2, version, current, arch, repo, "", (repo ~ /[Ss]ecurity/ ? "yes" : "no"), "", "package"
    }' >> "$tmp/pending"
  elif have dnf || have yum; then
    pm=dnf; have dnf || pm=yum
    # Installed versions, to fill current_version ("name.arch" -> version).
    awk -F '\t' '$6 == "rpm" { print $1 "." $4 "\t" $2 }' "$tmp/software" > "$tmp/installed"
    LC_ALL=C limited 300 "$pm" -q check-update > "$tmp/check" 2> "$tmp/check.err"
    status=$?
    if [ "$status" != 0 ] && [ "$status" != 100 ]; then
      fail pending "$pm check-update failed (exit $status): $(head -n 1 "$tmp/check.err")"
    fi
    # Security advisories: "RHSA-2024:1234 Important/Sec. openssl-1:3.0.7-27.el9.x86_64" -> "openssl.x86_64".
    security_known=1
    if LC_ALL=C limited 300 "$pm" -q updateinfo list --security --available > "$tmp/sec" 2> /dev/null ||
       LC_ALL=C limited 300 "$pm" -q updateinfo list security > "$tmp/sec" 2> /dev/null; then
      awk 'NF >= 3 { n = $NF; arch = n; sub(/.*\./, "", arch); sub(/\.[^.]*$/, "", n); sub(/-[^-]*-[^-]*$/, "", n); print n "." arch }' \
        "$tmp/sec" > "$tmp/secnames"
    else
      security_known=0; : > "$tmp/secnames"
      fail security "$pm updateinfo could not list security advisories: the security flag is left empty"
    fi
    # check-update prints "name.arch  version  repository", wrapping long names onto a second line; it stops
    # at "Obsoleting Packages".
    awk -v OFS='\t' -v known="$security_known" '
      FILENAME == ARGV[1] { cur[$1] = $2; next }
      FILENAME == ARGV[2] { sec[$1] = 1; next }
      /^Obsoleting Packages/ { stop = 1 } stop { next }
      /^(Last metadata|Security:)/ || NF == 0 { next }
      {
        buf = buf " " $0; n = split(buf, f, " ")
        if (n < 3) next
        na = f[1]; buf = ""
        arch = na; sub(/.*\./, "", arch); name = na; sub(/\.[^.]*$/, "", name)
        flag = known == 1 ? ((na in sec) ? "yes" : "no") : ""
        print name, f[2], cur[na], arch, f[3], "", flag, "", "package"
      }' "$tmp/installed" "$tmp/secnames" "$tmp/check" >> "$tmp/pending"
  elif have zypper; then
    # "v | Main Update Repo | openssl-3 | 3.0.8-1.1 | 3.0.8-1.2 | x86_64"
    LC_ALL=C limited 300 zypper --non-interactive --quiet list-updates 2>/dev/null | awk -F '|' -v OFS='\t' '
      function trim(s) { gsub(/^ +| +$/, "", s); return s }
      trim($1) == "v" { print trim($3), trim($5), trim($4), trim($6), trim($2), "", "", "", "package" }' >> "$tmp/pending"
  elif have apk; then
    # "musl-1.2.4-r1  < 1.2.4-r2"
    LC_ALL=C limited 120 apk version -l '<' 2>/dev/null | awk -v OFS='\t' '$2 == "<" {
      name = $1; sub(/-[^-]*-r[0-9]+$/, "", name); current = substr($1, length(name) + 2)
      print name, $3, current, "", "", "", "", "", "package"
    }' >> "$tmp/pending"
  elif [ "$os_kind" = Darwin ] && have softwareupdate; then
    # macOS 10.15+: "* Label: X" then "<TAB>Title: T, Version: V, Size: S, Recommended: YES, Action: restart,".
    # Before: "   * X" then "<TAB>T (V), 123K [recommended] [restart]".
    softwareupdate -l > "$tmp/su" 2> "$tmp/su.err" || fail pending "softwareupdate -l failed: $(head -n 1 "$tmp/su.err")"
    awk -v OFS='\t' '
      /^\* Label: / { label = 1; next }
      /^ *\* / { old = 1; next }
      label && /^\tTitle: / {
        line = substr($0, 9); title = line; sub(/, Version: .*/, "", title)
        version = ""; if (match(line, /Version: [^,]*/)) version = substr(line, RSTART + 9, RLENGTH - 9)
        reboot = (line ~ /Action: restart/) ? "yes" : "no"
        print title, version, "", "", "", "", "", reboot, "macos-update"; label = 0; next
      }
      old && /^\t/ {
        line = substr($0, 2); title = line; sub(/ \(.*/, "", title)
        version = ""; if (match(line, /\([^)]*\)/)) version = substr(line, RSTART + 1, RLENGTH - 2)
        reboot = (line ~ /\[restart\]/) ? "yes" : "no"
        print title, version, "", "", "", "", "", reboot, "macos-update"; old = 0
      }' "$tmp/su" >> "$tmp/pending"
  fi
fi
line '[pending]'
cat "$tmp/pending" >&3

# --- [errors] and [end] -------------------------------------------------------------------------------------
line '[errors]'
cat "$tmp/errors" >&3
line '[end]'
exec 3>&-

software_count=$(wc -l < "$tmp/software" | tr -d ' ')
pending_count=$(wc -l < "$tmp/pending" | tr -d ' ')
echo "patchfield-collect: wrote $out ($software_count packages, $pending_count pending updates). Import it into Patchfield." >&2
if [ -s "$tmp/errors" ]; then
  echo "patchfield-collect: some steps failed (listed in the file's [errors] section):" >&2
  sed 's/^/  /' "$tmp/errors" >&2
fi
exit 0
