import { defineTransform } from '../src/core/types.js';
import { boolean, list, string } from '../src/core/options.js';
import { describeRegistry, parseImageReference, registryAllows, registryEntryProblem } from './data/image-reference.js';

export interface CheckImageReferencesOptions {
  requireDigest: boolean;
  allowedRegistries: string[];
  pullAlwaysForMutableTags: boolean;
}

const ID = 'check-image-references';

export default defineTransform<CheckImageReferencesOptions, 'container'>({
  id: ID,
  summary: 'Report images with no tag or :latest, images not pinned by digest and registries outside an allow-list; optionally pull mutable tags Always',
  reason:
    'A tag is a pointer the registry owner can move: the image that passed review is not necessarily the one a node pulls tomorrow. A digest names exactly one image, and an allow-list keeps images to registries the organisation trusts.',
  docs: 'https://kubernetes.io/docs/concepts/containers/images/#image-names',
  scope: 'container',
  options: {
    requireDigest: boolean({ default: false, description: 'report images not pinned by a digest (@sha256:…) as errors instead of info' }),
    allowedRegistries: list(string({ default: '', type: 'registry host or host/repository-prefix', description: 'a registry', test: registryEntryProblem }), {
      default: [],
      type: 'list of registry hosts (registry.example.com, *.gcr.io, localhost:5000) or host/repository prefixes (ghcr.io/acme)',
      description: 'registries images may come from (an image without a registry is on docker.io); empty: no check',
    }),
    pullAlwaysForMutableTags: boolean({
      default: false,
      description:
        'set imagePullPolicy: Always on containers whose image is not pinned by digest (never where it is Never); off by default because Always fails pod starts whenever the registry cannot be reached (air-gapped clusters, outages)',
    }),
  },
  messages: {
    imageTagLatest: {
      severity: 'warning',
      title: 'image tag latest',
      help: 'latest is whatever was pushed last: a restart or a new node can run a different version than the one that was tested. Use a version tag, or better a digest (image@sha256:…).',
    },
    imageTagMissing: {
      severity: 'warning',
      title: 'image without a tag',
      help: 'An image without a tag or digest is pulled as :latest, whatever was pushed last. Use a version tag, or better a digest (image@sha256:…).',
    },
    imageNotPinned: {
      severity: 'info',
      title: 'image not pinned by digest',
      help: 'A tag can be moved to another image; a digest (image:1.2.3@sha256:…) cannot. Tools such as `crane digest`, `docker buildx imagetools inspect` or Renovate pin and update digests. The option requireDigest makes this an error.',
    },
    imageRegistryNotAllowed: {
      severity: 'error',
      title: 'image registry not allowed',
      help: 'The profile allows images only from the registries in the option allowedRegistries (an image without a registry comes from docker.io). Mirror the image into an allowed registry, or add the registry to the list.',
    },
    imageReferenceInvalid: {
      severity: 'warning',
      title: 'not a valid image reference',
      help: 'The container runtime refuses such a name (InvalidImageName) and the pod never starts: an unreplaced placeholder, upper-case letters in the repository, or a stray character.',
    },
  },
  run(target, ctx) {
    const image = target.container.image;
    // A container without an image is the API server's to refuse (or a kustomize base the images transformer completes).
    if (typeof image !== 'string' || image === '') return;
    const where = `container ${target.name}`;
    const ref = parseImageReference(image);
    if (!ref) {
      ctx.report({ code: 'imageReferenceInvalid', message: `${where}: image ${JSON.stringify(image)} is not a valid image reference; the kubelet fails it with InvalidImageName`, path: '/image' });
      return;
    }
    const allowed = ctx.options.allowedRegistries;
    if (allowed.length > 0 && !allowed.some((entry) => registryAllows(entry, ref))) {
      ctx.report({
        code: 'imageRegistryNotAllowed',
        message: `${where}: image ${image} comes from ${describeRegistry(ref)}, which is not in allowedRegistries (${allowed.join(', ')})`,
        path: '/image',
      });
    }
    if (ref.digest) return;
    const severity = ctx.options.requireDigest ? ('error' as const) : undefined;
    if (ref.tag === undefined) {
      ctx.report({ code: 'imageTagMissing', message: `${where}: image ${image} has no tag or digest, so it runs whatever :latest is at pull time`, path: '/image', ...(severity ? { severity } : {}) });
    } else if (ref.tag === 'latest') {
      ctx.report({ code: 'imageTagLatest', message: `${where}: image ${image} uses the tag latest, which moves with every push`, path: '/image', ...(severity ? { severity } : {}) });
    } else {
      ctx.report({ code: 'imageNotPinned', message: `${where}: image ${image} is not pinned by digest`, path: '/image', ...(severity ? { severity } : {}) });
    }
    if (!ctx.options.pullAlwaysForMutableTags) return;
    const policy = target.container.imagePullPolicy;
    // Never means the images are loaded on the nodes by other means (air-gapped); Always would fail every start there.
    if (policy === 'Always' || policy === 'Never') return;
    ctx.set(
      '/imagePullPolicy',
      'Always',
      `image ${image} is not pinned by digest: Always makes the kubelet resolve the tag at the registry at every container start and check this pod's pull credentials even when the image is already on the node (option pullAlwaysForMutableTags; a start fails while the registry is unreachable)`,
    );
  },
});
