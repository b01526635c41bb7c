#!/usr/bin/env bash
# screenshot-window.png: nnviz as a desktop shows it — a real X window under Xvfb, decorated by a window
# manager (openbox) that draws the window's icon in its title bar, the spiral example open.
#   bash bench/readme_screenshots.sh [OUT_DIR]        (needs: xvfb openbox x11-apps imagemagick)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs}
py=${PYTHON:-.venv/bin/python}
home=$(mktemp -d)
xwd_file=$(mktemp --suffix=.xwd)
trap 'rm -rf "$home" "$xwd_file"' EXIT
# openbox's own settings with a larger title font: its title bar, and so the icon in it, grows with the font
sed 's#<size>8</size>#<size>15</size>#' /etc/xdg/openbox/rc.xml > "$home/openbox-rc.xml"
HOME="$home" xvfb-run -a -s "-screen 0 1440x900x24" bash -c "
    openbox --config-file '$home/openbox-rc.xml' & sleep 1
    QT_QPA_PLATFORM=xcb $py -m nnviz resources/examples/spiral.nnviz --no-recovery & app=\$!
    sleep ${WAIT:-8}
    xwd -root -silent -out '$xwd_file'
    kill \$app; wait \$app 2>/dev/null || true"
convert "xwd:$xwd_file" -crop 1440x900+0+0 "$out/screenshot-window.png"
echo "wrote $out/screenshot-window.png"
