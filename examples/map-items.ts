/**
 * A map over items: resize every image of an album, at most 3 at a time, then summarise.
 * Run: npx tsx examples/map-items.ts
 */
import { dag } from "weftjs";
import { isMain } from "./main.js";

export interface Image {
  file: string;
  width: number;
  height: number;
}

export const thumbnails = dag<{ album: Image[]; maxSide: number }>("thumbnails")
  .map(
    "resize",
    { items: "input.album", maxSide: "input.maxSide" },
    async ({ item, maxSide }) => {
      await new Promise((r) => setTimeout(r, 5));
      const scale = Math.min(1, maxSide / Math.max(item.width, item.height));
      return {
        file: item.file.replace(/\.jpg$/, ".thumb.jpg"),
        width: Math.round(item.width * scale),
        height: Math.round(item.height * scale),
      };
    },
    { concurrency: 3 },
  )
  .then("summary", (thumbs) => thumbs.map((t) => `${t.file} ${t.width}x${t.height}`))
  .build();

export const album: Image[] = [
  { file: "beach.jpg", width: 4000, height: 3000 },
  { file: "cat.jpg", width: 1200, height: 1600 },
  { file: "icon.jpg", width: 64, height: 64 },
  { file: "pano.jpg", width: 9000, height: 2000 },
];

if (isMain(import.meta.url)) {
  const run = await thumbnails.run({ album, maxSide: 256 }, { mode: "parallel" });
  for (const line of run.output ?? []) console.log(line);
}
